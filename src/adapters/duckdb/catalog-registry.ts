import { p, sql, type SqlParam } from '../../ports/sql';
import type { DuckDbDatabase } from './database';
import { EVENTS_DIR } from './layout';
import { quoteSqlString } from './sql-literals';

/**
 * What the embedded catalog says about our tables beyond what the files and
 * DuckDB hold: database and table descriptions, owners, parameters, and the lake
 * table's columns (Glue/Hive types). Warehouse column descriptions are DuckDB
 * comments (COMMENT ON), so they travel with the tables.
 */
export const CATALOG_OWNER = 'data-platform';

export const CATALOG_DATABASES = [
  { name: 'lake', description: 'Raw customer and security events: Parquet files partitioned by day and bucketed by customer.' },
  { name: 'warehouse', description: 'Curated tables: the customer dimension and daily event counts loaded from the lake.' },
] as const;

export const LAKE_EVENT_COLUMNS: ReadonlyArray<{ name: string; type: string; comment: string }> = [
  { name: 'event_id', type: 'string', comment: 'Unique id of the event' },
  { name: 'occurred_at', type: 'timestamp', comment: 'When the event happened (UTC)' },
  { name: 'customer_id', type: 'string', comment: 'Customer the event belongs to (personal data: erased on request)' },
  { name: 'customer_type', type: 'string', comment: 'Enterprise, SMB, Reseller or Partner, as of the event' },
  { name: 'event_type', type: 'string', comment: 'What happened, e.g. login, purchase, data_export' },
  { name: 'source', type: 'string', comment: 'Channel that reported the event: web, mobile, api, batch, partner-feed' },
  { name: 'region', type: 'string', comment: 'Cloud region that processed the event' },
  { name: 'severity', type: 'string', comment: 'INFO, LOW, MEDIUM, HIGH or CRITICAL' },
  { name: 'attributes', type: 'string', comment: 'Event details as JSON text' },
];
export const LAKE_PARTITION_KEYS = [{ name: 'day', type: 'date', comment: 'Day of occurred_at (UTC): one partition per day' }];

const WAREHOUSE_TABLES: Record<string, { type: 'MANAGED_TABLE' | 'VIRTUAL_VIEW'; description: string; columns: Record<string, string> }> = {
  customers: {
    type: 'MANAGED_TABLE',
    description: 'The customer dimension: one row per customer (name and email are personal data).',
    columns: {
      customer_id: 'Customer id (cus_ and six digits)',
      customer_type: 'Enterprise, SMB, Reseller or Partner',
      country: 'ISO 3166-1 alpha-2 country code',
      name: 'Customer name (personal data)',
      email: 'Contact email (personal data)',
      created_at: 'When the customer was created (UTC)',
    },
  },
  daily_event_counts: {
    type: 'MANAGED_TABLE',
    description: 'Events per day, customer and event type, loaded from lake.events.',
    columns: {
      day: 'Day of the events (UTC)',
      customer_id: 'Customer id',
      customer_type: 'Customer type as recorded on the events',
      event_type: 'Event type',
      total_events: 'Number of events',
    },
  },
  weekly_event_counts: {
    type: 'VIRTUAL_VIEW',
    description: "The analytics team's weekly dataset: events per Monday-started week, customer type and event type, resellers excluded.",
    columns: {
      first_day_of_week: 'Monday of the week',
      customer_type: 'Customer type (never Reseller)',
      event_type: 'Event type',
      total_events: 'Number of events in the week',
    },
  },
};

const nullableStr = (value: string | null): SqlParam => ({ kind: 'param', type: 'varchar', value });

export interface RegisterCatalogOptions {
  /** Buckets per day of the lake layout (recorded as a table parameter). */
  buckets: number;
  /** ISO time recorded as create/update time of what is (re)registered. */
  at: string;
}

/** Idempotent: (re)writes the registry rows and the warehouse comments; keeps first create times. */
export async function registerCatalog(db: DuckDbDatabase, options: RegisterCatalogOptions): Promise<void> {
  const at = p.timestamp(options.at);
  await db.transaction(async (session) => {
    for (const database of CATALOG_DATABASES) {
      await session.query(sql`INSERT INTO lakegate.catalog_databases (database_name, description, created_at)
        VALUES (${p.str(database.name)}, ${p.str(database.description)}, ${at})
        ON CONFLICT (database_name) DO UPDATE SET description = excluded.description`);
    }
    const tables: Array<{ database: string; name: string; type: string; format: string | null; location: string | null; description: string; parameters: Record<string, string> }> = [
      {
        database: 'lake',
        name: 'events',
        type: 'EXTERNAL_TABLE',
        format: 'parquet',
        location: `${EVENTS_DIR}/`,
        description: 'Customer and security events, one row per event; files hold one customer bucket of one day, sorted by customer_id, occurred_at.',
        parameters: {
          classification: 'parquet',
          EXTERNAL: 'TRUE',
          'parquet.compression': 'ZSTD',
          typeOfData: 'file',
          'lakegate.bucketing': 'fnv1a32(customer_id) % buckets',
          'lakegate.buckets': String(options.buckets),
        },
      },
      ...Object.entries(WAREHOUSE_TABLES).map(([name, t]) => ({
        database: 'warehouse',
        name,
        type: t.type,
        format: null,
        location: null,
        description: t.description,
        parameters: { 'lakegate.engine': 'duckdb' },
      })),
    ];
    for (const t of tables) {
      await session.query(sql`INSERT INTO lakegate.catalog_tables
          (database_name, table_name, table_type, format, location, owner, description, parameters, created_at, updated_at)
        VALUES (${p.str(t.database)}, ${p.str(t.name)}, ${p.str(t.type)}, ${nullableStr(t.format)}, ${nullableStr(t.location)},
                ${p.str(CATALOG_OWNER)}, ${p.str(t.description)}, ${p.str(JSON.stringify(t.parameters))}, ${at}, ${at})
        ON CONFLICT (database_name, table_name) DO UPDATE SET table_type = excluded.table_type, format = excluded.format,
          location = excluded.location, owner = excluded.owner, description = excluded.description,
          parameters = excluded.parameters, updated_at = excluded.updated_at`);
    }
    await session.exec(`DELETE FROM lakegate.catalog_columns WHERE database_name = 'lake' AND table_name = 'events'`);
    const lakeColumns = [...LAKE_EVENT_COLUMNS.map((c) => ({ ...c, key: false })), ...LAKE_PARTITION_KEYS.map((c) => ({ ...c, key: true }))];
    for (const [i, c] of lakeColumns.entries()) {
      await session.query(sql`INSERT INTO lakegate.catalog_columns (database_name, table_name, ordinal, column_name, data_type, comment, is_partition_key)
        VALUES ('lake', 'events', ${p.int(i + 1)}, ${p.str(c.name)}, ${p.str(c.type)}, ${p.str(c.comment)}, ${p.bool(c.key)})`);
    }
    // Warehouse descriptions live on the DuckDB objects themselves.
    const comments: string[] = [];
    for (const [name, t] of Object.entries(WAREHOUSE_TABLES)) {
      const kind = t.type === 'VIRTUAL_VIEW' ? 'VIEW' : 'TABLE';
      comments.push(`COMMENT ON ${kind} warehouse.${name} IS ${quoteSqlString(t.description)};`);
      for (const [column, comment] of Object.entries(t.columns)) {
        comments.push(`COMMENT ON COLUMN warehouse.${name}.${column} IS ${quoteSqlString(comment)};`);
      }
    }
    await session.exec(comments.join('\n'));
  });
}
