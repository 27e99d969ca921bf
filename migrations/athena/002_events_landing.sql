-- Where producers write events: plain Parquet in the Hive layout lakegate's embedded
-- lake uses too (landing/events/day=YYYY-MM-DD/bucket-BB.parquet, rows sorted by
-- customer_id, occurred_at). Partitioned by day with partition projection, so new
-- days are queryable without registering partitions (no crawler, no MSCK REPAIR).
--
-- This table is a drop zone, not the lake lakegate reads: a daily load copies each
-- day into the Iceberg table {{eventsTable}} (003), and an S3 lifecycle rule expires
-- landing objects after a few days (at most 7; see docs/AWS.md). Files here cannot
-- be erased row by row through SQL, which is why they must not live longer than
-- the erasure deadline allows.
CREATE EXTERNAL TABLE IF NOT EXISTS {{database}}.{{eventsTable}}_landing (
  event_id      string,
  occurred_at   timestamp,
  customer_id   string,
  customer_type string,
  event_type    string,
  source        string,
  region        string,
  severity      string,
  attributes    string
)
PARTITIONED BY (day date)
STORED AS PARQUET
LOCATION '{{lakeLocation}}landing/{{eventsTable}}/'
TBLPROPERTIES (
  'parquet.compression' = 'ZSTD',
  'projection.enabled' = 'true',
  'projection.day.type' = 'date',
  'projection.day.format' = 'yyyy-MM-dd',
  'projection.day.range' = '2020-01-01,NOW',
  'projection.day.interval' = '1',
  'projection.day.interval.unit' = 'DAYS',
  'storage.location.template' = '{{lakeLocation}}landing/{{eventsTable}}/day=${day}/'
);
