-- The customer dimension (name and email are personal data: masked without pii:read,
-- erased by the GDPR workflow). Distributed on customer_id like daily_event_counts,
-- so joins between them stay on each slice.
CREATE TABLE IF NOT EXISTS {{schema}}.customers (
  customer_id   VARCHAR(128) NOT NULL,
  customer_type VARCHAR(64)  NOT NULL,
  country       VARCHAR(8)   NOT NULL,
  name          VARCHAR(512),
  email         VARCHAR(320),
  created_at    TIMESTAMP    NOT NULL,
  PRIMARY KEY (customer_id)
)
DISTSTYLE KEY
DISTKEY (customer_id)
SORTKEY (customer_id);
