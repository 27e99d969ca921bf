-- Where producers write JSON Lines (optionally gzip: `.jsonl.gz`, read by extension):
-- landing/events_jsonl/day=YYYY-MM-DD/*.jsonl, one JSON object per line with the
-- lake's columns in snake_case. A prefix of its own, beside the Parquet one (002):
-- Athena reads every object under a table's location and cannot skip the files of
-- another format.
--
-- One string column per line (text file, default delimiter \001, which valid JSON
-- never holds raw): the daily load parses each line in SQL, so a line that is not a
-- JSON object is quarantined with its reason instead of failing or vanishing. The
-- OpenX JSON SerDe is not used: AWS documents that its row counts and values can be
-- non-deterministic, and the load must count every row. Partition projection as in
-- 002; the same lifecycle rule expires these objects.
CREATE EXTERNAL TABLE IF NOT EXISTS {{database}}.{{eventsTable}}_landing_jsonl (
  line string
)
PARTITIONED BY (day date)
STORED AS TEXTFILE
LOCATION '{{lakeLocation}}landing/{{eventsTable}}_jsonl/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.day.type' = 'date',
  'projection.day.format' = 'yyyy-MM-dd',
  'projection.day.range' = '2020-01-01,NOW',
  'projection.day.interval' = '1',
  'projection.day.interval.unit' = 'DAYS',
  'storage.location.template' = '{{lakeLocation}}landing/{{eventsTable}}_jsonl/day=${day}/'
);
