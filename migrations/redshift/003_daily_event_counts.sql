-- Events per day, customer and event type, loaded from the lake one day at a time
-- (a reload deletes the day first to avoid duplicates; COPY ... FORMAT AS PARQUET
-- from the day's partition). Sorted by day: every query filters on a day range.
CREATE TABLE IF NOT EXISTS {{schema}}.daily_event_counts (
  day           DATE         NOT NULL,
  customer_id   VARCHAR(128) NOT NULL,
  customer_type VARCHAR(64)  NOT NULL,
  event_type    VARCHAR(64)  NOT NULL,
  total_events  BIGINT       NOT NULL
)
DISTSTYLE KEY
DISTKEY (customer_id)
COMPOUND SORTKEY (day, customer_type, event_type);
