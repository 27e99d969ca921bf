import { join, p, raw, sql, type SqlFragment } from '../../ports/sql';
import type { Day } from '../../util/days';

/**
 * The landing rows of a day as Athena (Trino) SQL: `WITH landing AS (...),
 * classified AS (...)`, one row per landing row with its columns normalized and the
 * first reason it cannot be loaded (NULL when it can), the same checks as the
 * embedded loader (src/adapters/duckdb/lake-load.ts):
 *
 * - Parquet (`<events>_landing`, typed columns): read as the table declares them.
 * - JSON Lines (`<events>_landing_jsonl`, one `line` string per row, gzip read by
 *   extension): parsed in SQL, so a line that is not a JSON object is quarantined,
 *   not lost. (The OpenX JSON SerDe would parse in the reader, but AWS documents that
 *   its row counts and values can be non-deterministic; a loader that must count
 *   every row cannot use it.)
 *
 * Only the rows of the files being loaded are read: `"$path" IN (...)`, so a file
 * landing meanwhile waits for the next load. Past MAX_LISTED_FILES files of a
 * format the whole day of that format is read (the statement would outgrow Athena's
 * 256 KB); that stays correct (MERGE adds each event once, the quarantine is
 * rewritten for the same selection), only the counts of that load include the
 * day's earlier rows as duplicates.
 */
export interface LandingTable {
  /** Quoted relation, e.g. "lake"."events_landing". */
  relation: string;
  /** s3:// location of the table, ending in '/': "$path" is this + the file's name. */
  location: string;
}

export interface LandingTables {
  parquet: LandingTable;
  jsonl: LandingTable;
}

/** Per format: the "$path"s to read, 'all' (the whole day), or null (no file of that format). */
export interface LandingSelection {
  parquet: string[] | 'all' | null;
  jsonl: string[] | 'all' | null;
}

export const MAX_LISTED_FILES = 500;
export const SEVERITIES = ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

export function selectionOf(uris: { parquet: string[]; jsonl: string[] }): LandingSelection {
  const pick = (list: string[]) => (list.length === 0 ? null : list.length > MAX_LISTED_FILES ? 'all' : list);
  return { parquet: pick(uris.parquet), jsonl: pick(uris.jsonl) };
}

const pathFilter = (paths: string[] | 'all') => (paths === 'all' ? sql`` : sql` AND "$path" IN ${p.list(paths.map((x) => p.str(x)))}`);

function parquetRows(table: LandingTable, day: Day, paths: string[] | 'all'): SqlFragment {
  return sql`SELECT "$path" AS file, CAST(NULL AS varchar) AS line, true AS is_object, event_id,
      CAST(occurred_at AS varchar) AS occurred_text, CAST(occurred_at AS timestamp) AS occurred_ts,
      customer_id, customer_type, event_type, source, region, severity, attributes AS attributes_raw,
      CASE WHEN attributes IS NULL THEN '{}' WHEN starts_with(trim(attributes), '{') THEN json_format(TRY(json_parse(attributes))) END AS attributes
    FROM ${raw(table.relation)} WHERE day = ${p.date(day)}${pathFilter(paths)}`;
}

/** Text with an offset is converted to UTC; without one it is UTC (Athena's session zone), as in the embedded loader. */
const timestamp = (text: string) =>
  `COALESCE(TRY(CAST(from_iso8601_timestamp(${text}) AT TIME ZONE 'UTC' AS timestamp)), TRY(CAST(CAST(${text} AS timestamp with time zone) AT TIME ZONE 'UTC' AS timestamp)))`;

const FIELDS = ['event_id', 'occurred_at', 'customer_id', 'customer_type', 'event_type', 'source', 'region', 'severity'] as const;

function jsonLineRows(table: LandingTable, day: Day, paths: string[] | 'all'): SqlFragment {
  const fields = FIELDS.map((f) => `json_extract_scalar(j, '$.${f}') AS ${f === 'occurred_at' ? 'occurred_text' : f}`).join(', ');
  // attributes: a JSON object, or a string holding one; absent or null reads as {}; NULL here means invalid.
  return sql`SELECT file, line, is_object, event_id, occurred_text, ${raw(timestamp('occurred_text'))} AS occurred_ts,
      customer_id, customer_type, event_type, source, region, severity, attributes_raw,
      CASE WHEN attributes_raw IS NULL OR attributes_raw = 'null' THEN '{}'
           WHEN starts_with(attributes_raw, '{') THEN attributes_raw
           WHEN starts_with(attributes_raw, '"') AND starts_with(trim(attributes_text), '{') THEN json_format(TRY(json_parse(attributes_text)))
      END AS attributes
    FROM (
      SELECT file, line, j IS NOT NULL AND starts_with(trim(line), '{') AS is_object, ${raw(fields)},
             json_format(json_extract(j, '$.attributes')) AS attributes_raw, json_extract_scalar(j, '$.attributes') AS attributes_text
      FROM (SELECT "$path" AS file, line, TRY(json_parse(line)) AS j FROM ${raw(table.relation)}
            WHERE day = ${p.date(day)} AND line IS NOT NULL AND trim(line) <> ''${pathFilter(paths)})
    )`;
}

/** The first reason a row cannot be loaded, or NULL (the order of the embedded loader). */
function reason(day: Day): SqlFragment {
  const blank = (c: string) => `${c} IS NULL OR trim(${c}) = ''`;
  return sql`CASE
      WHEN NOT is_object THEN 'not a JSON object'
      WHEN ${raw(blank('event_id'))} THEN 'missing event_id'
      WHEN occurred_ts IS NULL THEN 'bad occurred_at'
      WHEN CAST(occurred_ts AS date) <> ${p.date(day)} THEN 'occurred_at outside the partition day'
      WHEN ${raw(blank('customer_id'))} THEN 'missing customer_id'
      WHEN ${raw(blank('customer_type'))} THEN 'missing customer_type'
      WHEN ${raw(blank('event_type'))} THEN 'missing event_type'
      WHEN ${raw(blank('source'))} THEN 'missing source'
      WHEN ${raw(blank('region'))} THEN 'missing region'
      WHEN severity IS NULL OR severity NOT IN (${raw(SEVERITIES.map((s) => `'${s}'`).join(', '))}) THEN 'bad severity'
      WHEN attributes IS NULL THEN 'bad attributes'
    END`;
}

/** `WITH landing AS (...), classified AS (...)`: to be followed by a SELECT on `classified`. */
export function classifiedRows(tables: LandingTables, day: Day, selection: LandingSelection): SqlFragment {
  const branches: SqlFragment[] = [];
  if (selection.parquet) branches.push(parquetRows(tables.parquet, day, selection.parquet));
  if (selection.jsonl) branches.push(jsonLineRows(tables.jsonl, day, selection.jsonl));
  if (branches.length === 0) throw new TypeError('classifiedRows: no landing file selected');
  return sql`WITH landing AS (${join(branches, ' UNION ALL ')}),
    classified AS (SELECT landing.*, ${reason(day)} AS reason FROM landing)`;
}

/** The quarantine rows of the same selection (to replace them on a rerun): a condition on the quarantine's `file`. */
export function selectedFiles(tables: LandingTables, selection: LandingSelection): SqlFragment {
  const parts: SqlFragment[] = [];
  for (const format of ['parquet', 'jsonl'] as const) {
    const chosen = selection[format];
    if (chosen === 'all') parts.push(sql`starts_with(file, ${p.str(tables[format].location)})`);
    else if (chosen) parts.push(sql`file IN ${p.list(chosen.map((x) => p.str(x)))}`);
  }
  return sql`(${join(parts, ' OR ')})`;
}
