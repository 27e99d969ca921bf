-- The embedded catalog's registry: what Glue would hold about our tables that the
-- files and DuckDB itself do not say (descriptions, owners, times, parameters).
-- Warehouse columns are read from DuckDB (types and COMMENT ON); lake columns,
-- which live in Parquet files, are listed here.
CREATE TABLE lakegate.catalog_databases (
  database_name VARCHAR PRIMARY KEY,
  description   VARCHAR,
  created_at    TIMESTAMP NOT NULL
);

CREATE TABLE lakegate.catalog_tables (
  database_name VARCHAR NOT NULL,
  table_name    VARCHAR NOT NULL,
  table_type    VARCHAR NOT NULL,
  format        VARCHAR,
  -- Relative to the data directory (lake tables), NULL for warehouse tables.
  location      VARCHAR,
  owner         VARCHAR,
  description   VARCHAR,
  -- JSON object of string parameters, as Glue keeps them.
  parameters    JSON NOT NULL,
  created_at    TIMESTAMP NOT NULL,
  updated_at    TIMESTAMP NOT NULL,
  PRIMARY KEY (database_name, table_name)
);

CREATE TABLE lakegate.catalog_columns (
  database_name    VARCHAR NOT NULL,
  table_name       VARCHAR NOT NULL,
  ordinal          INTEGER NOT NULL,
  column_name      VARCHAR NOT NULL,
  data_type        VARCHAR NOT NULL,
  comment          VARCHAR,
  is_partition_key BOOLEAN NOT NULL,
  PRIMARY KEY (database_name, table_name, column_name)
);
