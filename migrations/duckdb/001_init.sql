-- The embedded warehouse: curated tables (warehouse), Glue job runs (ops) and
-- lakegate's own bookkeeping (lakegate). Timestamps are UTC.
CREATE SCHEMA IF NOT EXISTS warehouse;
CREATE SCHEMA IF NOT EXISTS ops;
CREATE SCHEMA IF NOT EXISTS lakegate;

CREATE TABLE warehouse.customers (
  customer_id   VARCHAR PRIMARY KEY,
  customer_type VARCHAR NOT NULL,
  country       VARCHAR NOT NULL,
  name          VARCHAR,
  email         VARCHAR,
  created_at    TIMESTAMP NOT NULL
);

-- Loaded from the lake, one day at a time (a reload deletes the day first).
CREATE TABLE warehouse.daily_event_counts (
  day           DATE NOT NULL,
  customer_id   VARCHAR NOT NULL,
  customer_type VARCHAR NOT NULL,
  event_type    VARCHAR NOT NULL,
  total_events  BIGINT NOT NULL
);

-- The analytics team's weekly dataset: weeks start on Monday, resellers excluded.
-- Callers pick the weeks (e.g. 30 back) with first_day_of_week.
CREATE VIEW warehouse.weekly_event_counts AS
SELECT CAST(date_trunc('week', day) AS DATE) AS first_day_of_week,
       customer_type,
       event_type,
       CAST(SUM(total_events) AS BIGINT) AS total_events
FROM warehouse.daily_event_counts
WHERE customer_type NOT IN ('Reseller')
GROUP BY 1, 2, 3;

CREATE TABLE ops.glue_jobs (
  job_name          VARCHAR PRIMARY KEY,
  worker_type       VARCHAR,
  number_of_workers INTEGER,
  max_capacity      DOUBLE,
  timeout_minutes   INTEGER,
  -- JSON object of the job's tags, e.g. {"remediate":"false","team":"risk"}
  tags              JSON NOT NULL,
  description       VARCHAR,
  created_at        TIMESTAMP NOT NULL
);

CREATE TABLE ops.glue_job_runs (
  run_id                 VARCHAR PRIMARY KEY,
  job_name               VARCHAR NOT NULL,
  attempt                INTEGER NOT NULL,
  state                  VARCHAR NOT NULL,
  started_on             TIMESTAMP NOT NULL,
  completed_on           TIMESTAMP,
  execution_time_seconds INTEGER NOT NULL,
  worker_type            VARCHAR,
  number_of_workers      INTEGER,
  max_capacity           DOUBLE,
  -- Glue reports DPUSeconds only for auto-scaled and Flex runs.
  dpu_seconds            DOUBLE,
  error_message          VARCHAR
);
