import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError, ErrorCode } from '../../errors/app-error';
import { accountQuery, elapsedMs } from '../../observability/query-accounting';
import type { LakeDayLoad, LakeLoadContext, LakeLoadStep, LandingFile, QuarantineReason } from '../../ports/loads';
import { raw, sql, type SqlFragment } from '../../ports/sql';
import { errorMessage } from '../../util/error-message';
import type { Day, DayRange } from '../../util/days';
import { customerBucketSql, FNV1A32_MACRO_SQL } from './bucket-sql';
import type { DuckDbDatabase } from './database';
import type { DuckDbLake } from './lake';
import type { LakeFile } from './lake-files';
import { bucketFileName, dayDir, dayDirName, eventsDir, landingDir, parseDayDirName, quarantineDir } from './layout';
import type { DuckDbSession } from './session';
import { fileListLiteral, quoteSqlString } from './sql-literals';
import { fsyncDirectory, syncCompleteParquet } from './durable-files';

export interface LoadSwapInfo {
  day: Day;
  /** Lake files about to be replaced or added (absolute paths). */
  files: string[];
  /** The day did not exist: its whole directory is about to appear. */
  newDay: boolean;
}

export interface DuckDbLakeLoadOptions {
  /** Bucket files written at once. Default 2. */
  concurrency?: number;
  /** Longest run of one statement. Default 10 minutes. */
  statementTimeoutMs?: number;
  /** How long the swap waits for running statements before giving up (retried later). Default 30 s. */
  drainTimeoutMs?: number;
  /** Called once the new files are written, checked and synced, before they replace the day's (test hook). */
  beforeSwap?: (info: LoadSwapInfo) => Promise<void>;
  /**
   * Waits before each heavy statement while queries run (their latency first: the
   * load's statements use the same DuckDB threads); bounded by its caller.
   */
  giveWay?: (signal: AbortSignal | undefined) => Promise<void>;
}

const SEVERITIES = ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
/** Written beside the files they replace; not *.parquet, so no reader lists them. */
const TEMPORARY = /\.parquet\.load-[A-Za-z0-9-]+\.tmp$/;
/** A new day is assembled here, then renamed into place whole. */
const STAGING_PREFIX = '.load-';
const STAGE_DB = 'lakegate_load';
const REQUIRED_PARQUET_COLUMNS = ['event_id', 'occurred_at', 'customer_id', 'customer_type', 'event_type'];
const OUTPUT_COLUMNS = 'event_id, occurred_at, customer_id, customer_type, event_type, source, region, severity, attributes';

/**
 * The lake step of a load in the embedded mode: the day's landing files are read
 * into a staging table of an in-memory database (never on disk), every row checked
 * (the reasons of QuarantineReason; failures written to the quarantine with their
 * reason, one file per landing file version, so a rerun rewrites rather than adds),
 * erased subjects dropped, rows deduplicated on event_id against each other and
 * against the day already in the lake; then each bucket file that gains rows is
 * rewritten (old rows + new, sorted as the seed sorts them) to a temporary copy,
 * row-counted, its footer checked and fdatasync'ed. The copies replace the day's
 * files together while no statement runs (DuckDbDatabase.exclusive), so a query sees
 * the old day or the new one, never half; a new day is assembled in a staging
 * directory and renamed into place whole (with every bucket file, empty ones
 * included, so later loads of the day only replace files).
 *
 * Killed at any point, the day holds the old files or the new ones; the next load
 * finds the rows it had added already (dedup on event_id) and adds the rest.
 */
export class DuckDbLakeLoad implements LakeLoadStep {
  private readonly concurrency: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly lake: DuckDbLake,
    private readonly database: DuckDbDatabase,
    private readonly dataDir: string,
    private readonly options: DuckDbLakeLoadOptions = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.timeoutMs = options.statementTimeoutMs ?? 600_000;
  }

  async recover(): Promise<void> {
    const root = eventsDir(this.dataDir);
    for (const name of await readdir(root).catch(() => [] as string[])) {
      const full = path.join(root, name);
      if (name.startsWith(STAGING_PREFIX)) {
        await rm(full, { recursive: true, force: true });
        continue;
      }
      if (!parseDayDirName(name)) continue;
      for (const file of await readdir(full).catch(() => [] as string[])) {
        if (TEMPORARY.test(file)) await rm(path.join(full, file), { force: true });
      }
    }
    const quarantine = quarantineDir(this.dataDir);
    for (const day of await readdir(quarantine).catch(() => [] as string[])) {
      for (const file of await readdir(path.join(quarantine, day)).catch(() => [] as string[])) {
        if (file.endsWith('.tmp')) await rm(path.join(quarantine, day, file), { force: true });
      }
    }
  }

  async dayRows(range: DayRange): Promise<Map<Day, number>> {
    return this.lake.rowsByDay(range);
  }

  loadDay(day: Day, files: readonly LandingFile[], context: LakeLoadContext): Promise<LakeDayLoad> {
    // An erasure rewriting the day's files meanwhile would undo one of the two.
    return this.lake.writeExclusively(() => this.load(day, files, context));
  }

  private async load(day: Day, files: readonly LandingFile[], context: LakeLoadContext): Promise<LakeDayLoad> {
    const started = process.hrtime.bigint();
    const signal = context.signal;
    for (const f of files) if (f.day !== day) throw new AppError(ErrorCode.INTERNAL_SERVER_ERROR, `load of ${day}: landing file ${f.name} is of another day`);
    const token = `${process.pid}-${randomBytes(6).toString('hex')}`;
    const stage = `${STAGE_DB}.stage_${token.replace(/-/g, '_')}`;
    const fresh = `${STAGE_DB}.new_${token.replace(/-/g, '_')}`;
    const buckets = await this.lake.buckets();
    const existing = await this.lake.files({ from: day, to: day });
    const outcome: LakeDayLoad = {
      landingRows: 0,
      added: 0,
      duplicates: 0,
      quarantined: 0,
      quarantineReasons: {},
      erased: 0,
      lakeRows: 0,
      newestEventAt: null,
      filesWritten: 0,
      bytesWritten: 0,
    };
    await this.database.exec(`ATTACH IF NOT EXISTS ':memory:' AS ${STAGE_DB}`, signal);
    try {
      const perBucket = await this.database.withSession(async (session) => {
        const run = (text: string) => this.timed(session, text, signal);
        await run(`CREATE TABLE ${stage} (file VARCHAR, line VARCHAR, event_id VARCHAR, occurred_at TIMESTAMP, customer_id VARCHAR, customer_type VARCHAR,
          event_type VARCHAR, source VARCHAR, region VARCHAR, severity VARCHAR, attributes VARCHAR, reason VARCHAR)`);
        await this.stageJsonLines(run, stage, day, files);
        await this.stageParquet(session, run, stage, day, files);
        outcome.landingRows = await count(session, `SELECT COUNT(*) AS n FROM ${stage}`);
        // Erased subjects: matched by keyed hash in the caller; their rows (valid or not) are dropped, never quarantined.
        const ids = (await session.query(rawSql(`SELECT DISTINCT customer_id FROM ${stage} WHERE customer_id IS NOT NULL`))).rows.map((r) => String(r.customer_id));
        const erased = ids.length > 0 ? await context.erasedSubjects(ids) : new Set<string>();
        if (erased.size > 0) {
          const values = [...erased].map((id) => `(${quoteSqlString(id)})`).join(', ');
          outcome.erased = await session.execCount(`DELETE FROM ${stage} WHERE customer_id IN (SELECT id FROM (VALUES ${values}) v(id))`);
        }
        for (const row of (await session.query(rawSql(`SELECT reason, COUNT(*) AS n FROM ${stage} WHERE reason IS NOT NULL GROUP BY 1`))).rows) {
          outcome.quarantineReasons[String(row.reason) as QuarantineReason] = Number(row.n);
        }
        outcome.quarantined = Object.values(outcome.quarantineReasons).reduce((a, b) => a + (b ?? 0), 0);
        await this.writeQuarantine(session, run, stage, day, files);

        // New rows: first of each event_id among the files, and not in the day already.
        await run(FNV1A32_MACRO_SQL);
        const already = existing.length > 0 ? `ANTI JOIN (SELECT event_id FROM read_parquet(${fileListLiteral(existing.map((f) => f.path))}, hive_partitioning = false)) e ON e.event_id = s.event_id` : '';
        await run(`CREATE TABLE ${fresh} AS
          WITH s AS (SELECT * FROM ${stage} WHERE reason IS NULL QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY file, occurred_at) = 1),
               b AS (SELECT customer_id, ${customerBucketSql('customer_id', buckets)} AS bucket FROM (SELECT DISTINCT customer_id FROM s))
          SELECT s.event_id, s.occurred_at, s.customer_id, s.customer_type, s.event_type, s.source, s.region, s.severity, s.attributes, b.bucket
          FROM s ${already} JOIN b USING (customer_id)`);
        outcome.added = await count(session, `SELECT COUNT(*) AS n FROM ${fresh}`);
        outcome.duplicates = outcome.landingRows - outcome.erased - outcome.quarantined - outcome.added;
        const rows = await session.query(rawSql(`SELECT bucket, COUNT(*) AS n FROM ${fresh} GROUP BY 1`));
        return new Map(rows.rows.map((r) => [Number(r.bucket), Number(r.n)]));
      }, signal);

      if (outcome.added > 0) await this.writeDay(day, existing, perBucket, buckets, fresh, outcome, signal);
    } finally {
      await this.database.exec(`DROP TABLE IF EXISTS ${stage}; DROP TABLE IF EXISTS ${fresh}`).catch(() => undefined);
      accountQuery({ backend: 'duckdb', label: 'loads.lake.day', ms: elapsedMs(started), bytesScanned: files.reduce((s, f) => s + f.bytes, 0), rows: outcome.added, costUsd: 0, files: files.length });
    }
    const after = await this.lake.files({ from: day, to: day });
    outcome.lakeRows = (await this.lake.rowsByDay({ from: day, to: day })).get(day) ?? 0;
    if (after.length > 0) {
      const { rows } = await this.database.query(rawSql(`SELECT epoch_ms(MAX(occurred_at)) AS newest FROM read_parquet(${fileListLiteral(after.map((f) => f.path))}, hive_partitioning = false)`), signal);
      const newest = rows[0]?.newest;
      outcome.newestEventAt = newest === null || newest === undefined ? null : new Date(Number(newest)).toISOString();
    }
    return outcome;
  }

  /**
   * JSON Lines (plain and gzip): each line read as text, then parsed and checked in
   * SQL, all files of a format in one statement; when that fails (a corrupt gzip
   * stream, a line over 8 MiB), file by file, and a file that cannot be read is
   * quarantined whole ('unknown shape') instead of blocking the day.
   */
  private async stageJsonLines(run: (text: string) => Promise<number>, stage: string, day: Day, files: readonly LandingFile[]): Promise<void> {
    for (const format of ['jsonl', 'jsonl.gz'] as const) {
      const group = files.filter((f) => f.format === format);
      if (group.length === 0) continue;
      try {
        await run(this.jsonLinesInsert(stage, day, format, group));
      } catch (error) {
        if (isInterrupt(error)) throw error;
        for (const file of group) {
          try {
            await run(this.jsonLinesInsert(stage, day, format, [file]));
          } catch (fileError) {
            if (isInterrupt(fileError)) throw fileError;
            await run(`DELETE FROM ${stage} WHERE file = ${quoteSqlString(file.name)}`);
            await run(`INSERT INTO ${stage} (file, line, reason) VALUES (${quoteSqlString(file.name)}, 'not readable as JSON Lines${format === 'jsonl.gz' ? ' (gzip)' : ''}, or a line longer than 8 MiB', 'unknown shape')`);
          }
        }
      }
    }
  }

  private jsonLinesInsert(stage: string, day: Day, format: 'jsonl' | 'jsonl.gz', group: readonly LandingFile[]): string {
    const names = group.map((f) => path.join(landingDir(this.dataDir), f.name));
    // One column per line: NUL as delimiter (never raw in JSON text), no quoting.
    const source = `read_csv(${fileListLiteral(names)}, columns = {'line': 'VARCHAR'}, delim = chr(0), quote = '', escape = '', header = false,
      auto_detect = false, compression = '${format === 'jsonl.gz' ? 'gzip' : 'none'}', filename = true, strict_mode = false, max_line_size = 8388608)`;
    const relative = `substr(filename, ${landingDir(this.dataDir).length + 2})`;
    return `INSERT INTO ${stage}
      WITH l AS (SELECT ${relative} AS file, line, coalesce(CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' END, false) AS ok
                 FROM ${source} WHERE line IS NOT NULL AND trim(line) <> ''),
           j AS (SELECT file, line, ok, CASE WHEN ok THEN line ELSE '{}' END AS doc FROM l),
           -- Every field in one extraction (a path list parses the document once).
           p AS (SELECT file, line, ok,
                   json_extract_string(doc, ['$.event_id', '$.occurred_at', '$.customer_id', '$.customer_type', '$.event_type', '$.source', '$.region', '$.severity', '$.attributes']) AS v,
                   json_extract(doc, '$.attributes') AS a
                 FROM j),
           f AS (SELECT file, line, ok, v[1] AS event_id, v[2] AS occurred_text, v[3] AS customer_id, v[4] AS customer_type, v[5] AS event_type,
                   v[6] AS source, v[7] AS region, v[8] AS severity, v[9] AS attributes_text,
                   json_type(a) AS attributes_type, CAST(a AS VARCHAR) AS attributes_json
                 FROM p),
           t AS (SELECT *, ${parseTimestampSql('occurred_text')} AS occurred_at, ${attributesSql()} AS attributes FROM f)
      SELECT file, line, event_id, occurred_at, customer_id, customer_type, event_type, source, region, severity, attributes,
             CASE WHEN NOT ok THEN 'not a JSON object' ELSE ${reasonSql(day, 'attributes_type')} END
      FROM t`;
  }

  /** Parquet files, one statement each: their columns may differ (a missing required column makes the whole file 'unknown shape'). */
  private async stageParquet(session: DuckDbSession, run: (text: string) => Promise<number>, stage: string, day: Day, files: readonly LandingFile[]): Promise<void> {
    for (const file of files.filter((f) => f.format === 'parquet')) {
      const full = path.join(landingDir(this.dataDir), file.name);
      const source = `read_parquet(${fileListLiteral([full])}, hive_partitioning = false)`;
      let types: Map<string, string>;
      try {
        const described = await session.query(rawSql(`DESCRIBE SELECT * FROM ${source}`));
        types = new Map(described.rows.map((r) => [String(r.column_name).toLowerCase(), String(r.column_type)]));
      } catch {
        types = new Map(); // not readable as Parquet: one quarantined row says so
      }
      if (types.size === 0) {
        await run(`INSERT INTO ${stage} (file, line, reason) VALUES (${quoteSqlString(file.name)}, 'not a readable Parquet file', 'unknown shape')`);
        continue;
      }
      const missing = REQUIRED_PARQUET_COLUMNS.filter((c) => !types.has(c));
      const text = (name: string) => (types.has(name) ? `CAST(${quoteIdent(name)} AS VARCHAR)` : 'CAST(NULL AS VARCHAR)');
      const occurred = types.get('occurred_at') ?? '';
      const occurredSql = !types.has('occurred_at')
        ? 'CAST(NULL AS TIMESTAMP)'
        : /WITH TIME ZONE/.test(occurred)
          ? `CAST(timezone('UTC', occurred_at) AS TIMESTAMP)`
          : /^TIMESTAMP/.test(occurred) || occurred === 'DATE'
            ? 'CAST(occurred_at AS TIMESTAMP)'
            : parseTimestampSql('CAST(occurred_at AS VARCHAR)');
      const attributesType = types.get('attributes') ?? '';
      const attributesSelect = !types.has('attributes')
        ? `'{}' AS attributes, 'NULL' AS attributes_type`
        : attributesType === 'VARCHAR' || attributesType === 'JSON'
          ? `CASE WHEN attributes IS NULL THEN '{}' WHEN json_valid(attributes) AND json_type(attributes) = 'OBJECT' THEN CAST(json(attributes) AS VARCHAR) END AS attributes, CASE WHEN attributes IS NULL THEN 'NULL' ELSE 'VARCHAR' END AS attributes_type`
          : `CAST(to_json(attributes) AS VARCHAR) AS attributes, 'OBJECT' AS attributes_type`;
      await run(`INSERT INTO ${stage}
        WITH f AS (SELECT ${text('event_id')} AS event_id, ${occurredSql} AS occurred_at, ${text('customer_id')} AS customer_id,
                          ${text('customer_type')} AS customer_type, ${text('event_type')} AS event_type, ${text('source')} AS source,
                          ${text('region')} AS region, ${text('severity')} AS severity, ${attributesSelect}
                   FROM ${source})
        SELECT ${quoteSqlString(file.name)}, NULL, event_id, occurred_at, customer_id, customer_type, event_type, source, region, severity, attributes,
               ${missing.length > 0 ? `'unknown shape'` : reasonSql(day, 'attributes_type')}
        FROM f`);
    }
  }

  /**
   * Rejected rows, one JSON Lines file per landing file version (reason, file, the
   * row as read); a file with rows of unknown shape is also kept whole, as it came
   * (`original-<hash>-<name>`), since its rows could not be read field by field.
   */
  private async writeQuarantine(session: DuckDbSession, run: (text: string) => Promise<number>, stage: string, day: Day, files: readonly LandingFile[]): Promise<void> {
    const dir = path.join(quarantineDir(this.dataDir), dayDirName(day));
    const unknown = new Set(
      (await session.query(rawSql(`SELECT DISTINCT file FROM ${stage} WHERE reason = 'unknown shape'`))).rows.map((r) => String(r.file)),
    );
    for (const file of files) {
      const hash = createHash('sha256').update(`${file.name}@${file.version}`).digest('hex').slice(0, 12);
      const target = path.join(dir, `${path.basename(file.name)}.${hash}.rejected.jsonl`);
      const temporary = `${target}.${randomBytes(4).toString('hex')}.tmp`;
      await mkdir(dir, { recursive: true });
      const written = await run(`COPY (SELECT reason, file, line AS raw,
          CASE WHEN line IS NULL THEN struct_pack(event_id, occurred_at, customer_id, customer_type, event_type, source, region, severity, attributes) END AS row
          FROM ${stage} WHERE reason IS NOT NULL AND file = ${quoteSqlString(file.name)}) TO ${quoteSqlString(temporary)} (FORMAT json)`);
      if (written > 0) await rename(temporary, target);
      else await rm(temporary, { force: true });
      if (unknown.has(file.name)) {
        const original = path.join(dir, `original-${hash}-${path.basename(file.name)}`);
        await copyFile(path.join(landingDir(this.dataDir), file.name), `${original}.tmp`);
        await rename(`${original}.tmp`, original);
      }
    }
  }

  /** Writes the bucket files that gain rows (all of them for a new day), then swaps them in together. */
  private async writeDay(
    day: Day,
    existing: readonly LakeFile[],
    perBucket: Map<number, number>,
    buckets: number,
    fresh: string,
    outcome: LakeDayLoad,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const token = `${process.pid}-${randomBytes(6).toString('hex')}`;
    const newDay = existing.length === 0;
    const finalDir = dayDir(this.dataDir, day);
    const workDir = newDay ? path.join(eventsDir(this.dataDir), `${STAGING_PREFIX}${token}`, dayDirName(day)) : finalDir;
    await mkdir(workDir, { recursive: true });
    const byBucket = new Map(existing.map((f) => [f.bucket, f]));
    const rowsBefore = await this.lake.rowsOf(existing);
    const targets = newDay ? Array.from({ length: buckets }, (_, b) => b) : [...perBucket.keys()].sort((a, b) => a - b);
    const written: Array<{ temporary: string; target: string }> = [];
    try {
      let next = 0;
      const worker = async () => {
        while (next < targets.length) {
          const bucket = targets[next++]!;
          signal?.throwIfAborted();
          const old = byBucket.get(bucket);
          const target = path.join(finalDir, bucketFileName(bucket));
          const temporary = newDay ? path.join(workDir, bucketFileName(bucket)) : `${target}.load-${token}.tmp`;
          written.push({ temporary, target });
          const union = old ? `SELECT ${OUTPUT_COLUMNS} FROM read_parquet(${fileListLiteral([old.path])}, hive_partitioning = false) UNION ALL ` : '';
          const rows = await this.database.withSession(
            (session) =>
              this.timed(
                session,
                `COPY (SELECT * FROM (${union}SELECT ${OUTPUT_COLUMNS} FROM ${fresh} WHERE bucket = ${bucket}) ORDER BY customer_id, occurred_at, event_id)
                 TO ${quoteSqlString(temporary)} (FORMAT parquet, COMPRESSION zstd, USE_TMP_FILE false)`,
                signal,
              ),
            signal,
          );
          const expected = (old ? (rowsBefore.get(old.path) ?? 0) : 0) + (perBucket.get(bucket) ?? 0);
          if (rows !== expected) {
            throw new AppError(ErrorCode.INTERNAL_SERVER_ERROR, `load of ${day}: ${bucketFileName(bucket)} would hold ${rows} rows where ${expected} are expected; the day was left unchanged`);
          }
          outcome.bytesWritten += await syncCompleteParquet(temporary, 'load', 'the day was left unchanged');
          outcome.filesWritten += 1;
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.concurrency, targets.length) }, worker));
      if (newDay) await fsyncDirectory(workDir);
      await this.options.beforeSwap?.({ day, files: written.map((w) => w.target), newDay });
      signal?.throwIfAborted();
      await this.database.exclusive(
        async () => {
          if (newDay) await rename(workDir, finalDir);
          else for (const w of written) await rename(w.temporary, w.target);
          await fsyncDirectory(newDay ? eventsDir(this.dataDir) : finalDir);
          await this.lake.refresh();
        },
        { drainTimeoutMs: this.options.drainTimeoutMs, signal },
      );
    } finally {
      if (newDay) await rm(path.dirname(workDir), { recursive: true, force: true }).catch(() => undefined);
      else for (const w of written) await rm(w.temporary, { force: true }).catch(() => undefined);
    }
  }

  private async timed(session: DuckDbSession, text: string, signal: AbortSignal | undefined): Promise<number> {
    await this.options.giveWay?.(signal);
    const stop = () => session.interrupt();
    const timer = setTimeout(stop, this.timeoutMs);
    signal?.addEventListener('abort', stop, { once: true });
    try {
      signal?.throwIfAborted();
      const n = await session.execCount(text);
      signal?.throwIfAborted();
      return n;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
    }
  }
}

/** Text with an offset (Z, +01:00) is converted to UTC; without one it is UTC already (the lake's convention). */
function parseTimestampSql(text: string): string {
  return `CASE WHEN regexp_matches(${text}, '(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$') THEN CAST(timezone('UTC', TRY_CAST(${text} AS TIMESTAMPTZ)) AS TIMESTAMP) ELSE TRY_CAST(${text} AS TIMESTAMP) END`;
}

/** attributes: a JSON object, or a string holding one; absent or null reads as {}. NULL here means invalid. */
function attributesSql(): string {
  return `CASE WHEN attributes_type IS NULL OR attributes_type = 'NULL' THEN '{}'
               WHEN attributes_type = 'OBJECT' THEN attributes_json
               WHEN attributes_type = 'VARCHAR' THEN CASE WHEN json_valid(attributes_text) THEN CASE WHEN json_type(attributes_text) = 'OBJECT' THEN CAST(json(attributes_text) AS VARCHAR) END END
          END`;
}

/** The first reason a parsed row cannot be loaded, or NULL. */
function reasonSql(day: Day, attributesType: string): string {
  const blank = (c: string) => `(${c} IS NULL OR trim(${c}) = '')`;
  return `CASE
    WHEN ${blank('event_id')} THEN 'missing event_id'
    WHEN occurred_at IS NULL THEN 'bad occurred_at'
    WHEN CAST(occurred_at AS DATE) <> DATE '${day}' THEN 'occurred_at outside the partition day'
    WHEN ${blank('customer_id')} THEN 'missing customer_id'
    WHEN ${blank('customer_type')} THEN 'missing customer_type'
    WHEN ${blank('event_type')} THEN 'missing event_type'
    WHEN ${blank('source')} THEN 'missing source'
    WHEN ${blank('region')} THEN 'missing region'
    WHEN severity IS NULL OR severity NOT IN (${SEVERITIES.map((s) => `'${s}'`).join(', ')}) THEN 'bad severity'
    WHEN attributes IS NULL AND ${attributesType} IS NOT NULL THEN 'bad attributes'
  END`;
}

/** DuckDB's answer to an interrupt (cancelled load): not a file's fault. */
function isInterrupt(error: unknown): boolean {
  return /INTERRUPT|Interrupted/i.test(errorMessage(error));
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function rawSql(text: string): SqlFragment {
  return sql`${raw(text)}`;
}

async function count(session: DuckDbSession, text: string): Promise<number> {
  const { rows } = await session.query(rawSql(text));
  return Number(rows[0]?.n ?? 0);
}
