-- The warehouse schema (LAKEGATE_REDSHIFT_SCHEMA, default warehouse). Placeholders
-- {{...}} are filled by migrateRedshift from the configuration.
CREATE SCHEMA IF NOT EXISTS {{schema}};
