import type { GdprConfig } from '../config/gdpr';
import type { Logger } from '../observability/logger';
import type { DeletionLedger } from '../ports/deletion-ledger';
import type { ErasureStore, ResidueScan } from '../ports/erasure';
import { DeletionExecutor, type DeletionExecutorOptions } from './executor';

/**
 * The executor with the configured lease, batch size, polling and retry backoff.
 * Over a ledger only this process can reach (the embedded mode), it takes over the
 * leases a crashed process left instead of waiting for them to expire.
 */
export function createDeletionExecutor(
  gdpr: { ledger: DeletionLedger; stores: readonly ErasureStore[]; exclusiveLedger?: boolean; subjectHashKey?: string; residue?: ResidueScan },
  config: GdprConfig,
  logger: Logger,
  hooks: Pick<DeletionExecutorOptions, 'onPass'> = {},
): DeletionExecutor {
  return new DeletionExecutor(gdpr.ledger, gdpr.stores, {
    leaseMs: config.leaseMs,
    batchSize: config.batchSize,
    pollIntervalMs: config.pollIntervalMs,
    retryBaseMs: config.retryBaseMs,
    retryMaxMs: config.retryMaxMs,
    takeOverLeases: gdpr.exclusiveLedger ?? false,
    subjectKey: gdpr.subjectHashKey,
    residue: gdpr.residue,
    ...hooks,
    logger,
  });
}
