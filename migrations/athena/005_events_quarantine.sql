-- Landing rows the daily load refused, kept with their reason: the row's fields as
-- text (as read), the raw line of a JSON Lines file, the file ("$path"), the day and
-- when the load ran. Iceberg, so that a rerun replaces a file's rows (DELETE, then
-- INSERT) and an erasure can delete a subject's rows (DELETE ... WHERE customer_id).
CREATE TABLE IF NOT EXISTS {{database}}.{{eventsTable}}_quarantine (
  event_id      string,
  occurred_at   string,
  customer_id   string,
  customer_type string,
  event_type    string,
  source        string,
  region        string,
  severity      string,
  attributes    string,
  line          string,
  reason        string,
  file          string,
  day           date,
  loaded_at     timestamp
)
PARTITIONED BY (day)
LOCATION '{{lakeLocation}}{{eventsTable}}_quarantine/'
TBLPROPERTIES (
  'table_type' = 'ICEBERG',
  'format' = 'parquet',
  'write_compression' = 'zstd',
  'vacuum_max_snapshot_age_seconds' = '86400'
);
