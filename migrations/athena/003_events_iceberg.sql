-- The events lakegate reads: an Iceberg table, partitioned by day and by a hash
-- bucket of the customer.
--
-- Why Iceberg: GDPR erasure must physically delete one subject's rows. On Athena
-- that is only possible through SQL on an Iceberg table:
--   DELETE FROM {{database}}.{{eventsTable}} WHERE customer_id = ?   (writes delete files)
--   OPTIMIZE {{database}}.{{eventsTable}} REWRITE DATA USING BIN_PACK WHERE day BETWEEN ? AND ?
--                                                                    (rewrites the data files without the rows)
--   VACUUM {{database}}.{{eventsTable}}                              (expires old snapshots, removes their files)
-- A plain Parquet table would need its files rewritten outside Athena. The
-- bucket(16, customer_id) partition means a subject's rows sit in 1/16 of each
-- day's files, so DELETE and OPTIMIZE touch only those (the lesson from erasure
-- at scale: rewrite the subject's files, not whole partitions).
--
-- Partition projection does not apply to Iceberg tables (Iceberg prunes from its
-- own manifests on the same `day` predicate); it is used on the landing table (002).
-- Snapshots older than a day are vacuumable, so erased rows are gone from S3
-- within a day of the VACUUM that follows the erasure.
CREATE TABLE IF NOT EXISTS {{database}}.{{eventsTable}} (
  event_id      string,
  occurred_at   timestamp,
  day           date,
  customer_id   string,
  customer_type string,
  event_type    string,
  source        string,
  region        string,
  severity      string,
  attributes    string
)
PARTITIONED BY (day, bucket({{buckets}}, customer_id))
LOCATION '{{lakeLocation}}{{eventsTable}}/'
TBLPROPERTIES (
  'table_type' = 'ICEBERG',
  'format' = 'parquet',
  'write_compression' = 'zstd',
  'optimize_rewrite_delete_file_threshold' = '1',
  'vacuum_max_snapshot_age_seconds' = '86400',
  'vacuum_min_snapshots_to_keep' = '1'
);
