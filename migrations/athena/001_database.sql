-- The Glue database of the lake. Placeholders {{...}} are filled by migrateAthena
-- from the configuration (LAKEGATE_ATHENA_DATABASE, LAKEGATE_ATHENA_LAKE_LOCATION).
CREATE DATABASE IF NOT EXISTS {{database}}
  COMMENT 'lakegate event lake'
  LOCATION '{{lakeLocation}}';
