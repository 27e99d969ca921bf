import type { GdprConfig } from '../config/gdpr';
import type { Logger } from '../observability/logger';
import type { DeletionLedger } from '../ports/deletion-ledger';
import type { ErasureStore } from '../ports/erasure';
import { DeletionExecutor } from './executor';

/** The executor with the configured lease, batch size, polling and retry backoff. */
export function createDeletionExecutor(gdpr: { ledger: DeletionLedger; stores: readonly ErasureStore[] }, config: GdprConfig, logger: Logger): DeletionExecutor {
  return new DeletionExecutor(gdpr.ledger, gdpr.stores, {
    leaseMs: config.leaseMs,
    batchSize: config.batchSize,
    pollIntervalMs: config.pollIntervalMs,
    retryBaseMs: config.retryBaseMs,
    retryMaxMs: config.retryMaxMs,
    logger,
  });
}
