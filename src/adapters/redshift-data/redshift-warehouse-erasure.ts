import { AppError, ErrorCode } from '../../errors/app-error';
import type { SqlEngine } from '../../ports/sql-engine';
import type { Warehouse, WarehouseTable } from '../../ports/lake';
import { p, sql } from '../../ports/sql';
import { sleep } from '../../util/backoff';

/**
 * The Redshift side of the warehouse erasure (src/gdpr/stores/warehouse-erasure.ts):
 *
 * - `preflight`, before any DELETE: the database user must own every table it
 *   erases from (or be a superuser). Redshift's DELETE only marks rows; the blocks
 *   keep them until a VACUUM rewrites the table, and "if VACUUM is run without the
 *   necessary table permissions, the operation completes successfully but has no
 *   effect". A Serverless IAM identity that did not create the tables (they were
 *   made by the migration role) is such a user: the step would report success
 *   while the rows stay on disk. So the step fails first, naming the table, its
 *   owner and the user, and erases nothing.
 * - `reclaim`, after the DELETEs: `VACUUM DELETE ONLY <table> TO 100 PERCENT` per
 *   table (the default threshold, 95, may leave rows; automatic vacuum runs only when
 *   the cluster is idle; VACUUM cannot run in a transaction: the Data API runs each
 *   statement on its own), then proof that it ran: a row for the table in
 *   SYS_VACUUM_HISTORY (visible to the user for its own vacuums, on Serverless and
 *   provisioned clusters; STL_VACUUM is superuser-only and not on Serverless) that
 *   started after the VACUUM was sent, not automatic, and finished (Complete, or
 *   Skipped: nothing was left to reclaim). A vacuum that left no such row did
 *   nothing: the step fails naming the table. One VACUUM runs at a time per
 *   cluster; a refused one fails the step, which is retried.
 */
export interface RedshiftErasureOptions {
  /** Schema of the warehouse tables (LAKEGATE_REDSHIFT_SCHEMA). */
  schema: string;
  /** SYS_VACUUM_HISTORY reads before a missing row fails the step (the view may lag a little). Default 5. */
  confirmAttempts?: number;
  /** Wait between those reads. Default 2000 ms. */
  confirmDelayMs?: number;
  /** Longest run of one VACUUM. Default 1 hour. */
  vacuumTimeoutMs?: number;
}

export interface RedshiftErasureSteps {
  preflight(tables: readonly WarehouseTable[], signal?: AbortSignal): Promise<void>;
  reclaim(tables: readonly WarehouseTable[], signal?: AbortSignal): Promise<void>;
}

const DONE = /^(complete|completed|finished|skipped)/i;
const FAILED = /^fail/i;

export function redshiftWarehouseErasure(engine: SqlEngine, warehouse: Warehouse, options: RedshiftErasureOptions): RedshiftErasureSteps {
  const attempts = Math.max(1, options.confirmAttempts ?? 5);
  const delayMs = options.confirmDelayMs ?? 2_000;
  const shown = (table: WarehouseTable) => `${options.schema}.${table}`;
  const names = (tables: readonly WarehouseTable[]) => p.list(tables.map((t) => p.str(t)));

  return {
    async preflight(tables, signal) {
      if (tables.length === 0) return;
      const { rows } = await engine.query({
        label: 'gdpr.warehouse.ownership',
        sql: sql`SELECT t.tablename AS table_name, t.tableowner AS table_owner, u.usename AS user_name, u.usesuper AS superuser
                 FROM pg_tables t CROSS JOIN pg_user u
                 WHERE u.usename = current_user AND t.schemaname = ${p.str(options.schema)} AND t.tablename IN ${names(tables)}`,
        signal,
      });
      const byTable = new Map(rows.map((r) => [String(r.table_name).trim(), r]));
      const problems: string[] = [];
      let user = rows[0] ? String(rows[0].user_name).trim() : undefined;
      for (const table of tables) {
        const row = byTable.get(table);
        if (!row) {
          problems.push(`${shown(table)} is not visible to the database user (missing, or no USAGE on schema ${options.schema})`);
          continue;
        }
        user = String(row.user_name).trim();
        if (row.superuser === true || String(row.table_owner).trim() === String(row.user_name).trim()) continue;
        problems.push(`${shown(table)} is owned by ${JSON.stringify(String(row.table_owner).trim())}`);
      }
      if (problems.length === 0) return;
      throw new AppError(
        ErrorCode.FORBIDDEN,
        `the warehouse erasure must VACUUM the tables it deletes from, and Redshift runs VACUUM for a user that is neither the table's owner nor a superuser without effect (the deleted rows stay on disk): ` +
          `${problems.join('; ')}; lakegate connects as ${JSON.stringify(user ?? 'the configured user')}. Make that user the owner ` +
          `(ALTER TABLE ${options.schema}.<table> OWNER TO "<user>") or connect as the owner (LAKEGATE_REDSHIFT_SECRET_ARN / LAKEGATE_REDSHIFT_DB_USER); see docs/AWS.md`,
        { details: { backend: 'redshift', privilege: 'table owner', tables: tables.map(shown) } },
      );
    },

    async reclaim(tables, signal) {
      if (tables.length === 0) return;
      // Redshift's own clock (UTC, whole seconds): the vacuums below start after it.
      const clock = await engine.query({ label: 'gdpr.warehouse.vacuum.clock', sql: sql`SELECT GETDATE() AS now`, signal });
      const since = String(clock.rows[0]?.now ?? '');
      for (const table of tables) {
        await engine.query({
          label: `gdpr.warehouse.vacuum.${table}`,
          sql: sql`VACUUM DELETE ONLY ${warehouse.table(table)} TO 100 PERCENT`,
          signal,
          timeoutMs: options.vacuumTimeoutMs ?? 3_600_000,
        });
      }
      let missing = [...tables];
      for (let attempt = 1; ; attempt++) {
        const { rows } = await engine.query({
          label: 'gdpr.warehouse.vacuum.confirm',
          sql: sql`SELECT table_name, status FROM sys_vacuum_history
                   WHERE schema_name = ${p.str(options.schema)} AND table_name IN ${names(missing)} AND is_automatic = false AND start_time >= CAST(${p.timestamp(since)} AS TIMESTAMP)`,
          signal,
        });
        // System views pad character columns: compare trimmed.
        const name = (r: (typeof rows)[number]) => String(r.table_name).trim();
        const status = (r: (typeof rows)[number]) => String(r.status).trim();
        const failed = rows.filter((r) => FAILED.test(status(r))).map(name);
        if (failed.length > 0) {
          throw new AppError(ErrorCode.BACKEND_QUERY_FAILED, `VACUUM DELETE ONLY of ${[...new Set(failed)].map((t) => shown(t as WarehouseTable)).join(', ')} failed (SYS_VACUUM_HISTORY); the step is retried`, {
            details: { backend: 'redshift' },
            retryable: true,
          });
        }
        const done = new Set(rows.filter((r) => DONE.test(status(r))).map(name));
        missing = missing.filter((t) => !done.has(t));
        if (missing.length === 0) return;
        if (attempt >= attempts) break;
        await sleep(delayMs, signal);
      }
      throw new AppError(
        ErrorCode.FORBIDDEN,
        `VACUUM DELETE ONLY of ${missing.map(shown).join(', ')} succeeded but Redshift recorded no vacuum of it (SYS_VACUUM_HISTORY): a VACUUM by a user without the table's ownership completes without effect, ` +
          `so the deleted rows are still on disk. Make lakegate's database user the owner of the table (or a superuser); see docs/AWS.md`,
        { details: { backend: 'redshift', privilege: 'table owner', tables: missing.map(shown) } },
      );
    },
  };
}
