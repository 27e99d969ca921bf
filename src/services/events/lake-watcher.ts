import type { CachedReader } from '../../cache/cached-reader';
import type { Logger } from '../../observability/logger';
import type { Lake } from '../../ports/lake';

/**
 * Watches the lake's partitions and drops cached lake reads when they change (a
 * new day landed, files were added): cached answers follow the data instead of
 * waiting for their TTL. In AWS mode the loading pipeline usually calls the
 * invalidateCache mutation instead (listing partitions is an Athena query there),
 * so the watcher is off by default (LAKEGATE_LAKE_WATCH_SECONDS).
 */
export class LakeChangeWatcher {
  private timer: NodeJS.Timeout | undefined;
  private fingerprint: string | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly lake: Lake,
    private readonly cache: CachedReader,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    const tick = () => {
      this.running ??= this.check().finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Compares the partitions with the last look; invalidates lake.events when they changed. */
  async check(): Promise<boolean> {
    try {
      const partitions = await this.lake.partitions();
      const fingerprint = partitions.map((p) => `${p.day}:${p.files}:${p.bytes}`).join(',');
      const changed = this.fingerprint !== undefined && fingerprint !== this.fingerprint;
      if (changed) {
        // Remember the new state only once the invalidation went through (Redis may be down).
        const dropped = await this.cache.invalidateDatasets(['lake.events']);
        this.logger.info({ partitions: partitions.length, dropped }, 'lake partitions changed: cached lake reads invalidated');
      }
      this.fingerprint = fingerprint;
      return changed;
    } catch (error) {
      this.logger.warn({ err: error }, 'lake watch failed (will retry)');
      return false;
    }
  }
}
