-- The analytics team's weekly dataset (weekly from daily, weeks start on Monday,
-- resellers excluded), as in the embedded warehouse (migrations/duckdb). Callers
-- pick the weeks (e.g. the 30 before the current one) with first_day_of_week.
CREATE OR REPLACE VIEW {{schema}}.weekly_event_counts AS
SELECT CAST(DATE_TRUNC('week', day) AS DATE) AS first_day_of_week,
       customer_type,
       event_type,
       CAST(SUM(total_events) AS BIGINT) AS total_events
FROM {{schema}}.daily_event_counts
WHERE customer_type NOT IN ('Reseller')
GROUP BY 1, 2, 3;
