import type { CachedReader } from '../../cache/cached-reader';
import { AppError, ErrorCode } from '../../errors/app-error';
import { emptyErasure, type ErasureContext, type ErasureOutcome, type ErasureStore } from '../../ports/erasure';
import { sleep } from '../../util/backoff';

/** Datasets whose cached aggregates count the subject even when they do not name it. */
export const ERASED_DATASETS = ['lake.events', 'warehouse.daily_event_counts', 'warehouse.customers'] as const;

export interface CacheErasureOptions {
  /** Attempts of each invalidation before the step fails (the request is then retried with backoff). */
  attempts?: number;
  retryDelayMs?: number;
}

/**
 * The cache: every entry holding a subject (by its subject tag, and subject:*,
 * which files the entries above the tag cap), and every entry derived from the
 * erased datasets (totals that counted the subject). Invalidation bumps the tags'
 * versions first, so a fill that started before it is refused afterwards.
 *
 * Unlike reads, invalidation is not fail-open: when Redis is down it throws, and
 * this step retries a few times before failing (the request is retried later).
 * The cache holds nothing findable by subject afterwards: find() reports nothing.
 */
export class CacheErasure implements ErasureStore {
  readonly store = 'cache' as const;
  private readonly attempts: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly reader: CachedReader,
    options: CacheErasureOptions = {},
  ) {
    this.attempts = options.attempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 200;
  }

  async find(): Promise<Map<string, number>> {
    return new Map();
  }

  async erase(subjects: readonly string[], context: ErasureContext = {}): Promise<ErasureOutcome> {
    const purged = await this.retrying(() => this.reader.purgeSubjects([...subjects]), context.signal);
    const invalidated = await this.retrying(() => this.reader.invalidateDatasets([...ERASED_DATASETS]), context.signal);
    return { subjects: new Map(), totals: { ...emptyErasure(), recordsDeleted: purged + invalidated } };
  }

  private async retrying(run: () => Promise<number>, signal: AbortSignal | undefined): Promise<number> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) await sleep(this.retryDelayMs * 2 ** (attempt - 1), signal);
      try {
        return await run();
      } catch (error) {
        lastError = error;
      }
    }
    throw new AppError(ErrorCode.BACKEND_UNAVAILABLE, `the cache could not be purged after ${this.attempts} attempts (${(lastError as Error)?.message ?? lastError}); retried later`, {
      cause: lastError,
      retryable: true,
    });
  }
}
