import type { DecisionStore } from '../../ports/decision-store';
import { emptyErasure, type ErasureContext, type ErasureOutcome, type ErasureStore } from '../../ports/erasure';

export interface DecisionErasureOptions {
  /**
   * Runs after the deletes: what makes the store drop the deleted items physically
   * (the embedded DynamoDB: a LevelDB compaction, which also ends the write-ahead
   * log holding them). Comes from the adapter; DynamoDB on AWS needs none.
   */
  reclaim?: (signal?: AbortSignal) => Promise<void>;
}

/**
 * Decisions: every item of the subject. The store's indexes (by transaction, by
 * customer) are projections of the same items, so deleting the items empties them
 * too; verification reads the customer index.
 */
export class DecisionErasure implements ErasureStore {
  readonly store = 'decisions' as const;

  constructor(
    private readonly decisions: DecisionStore,
    private readonly options: DecisionErasureOptions = {},
  ) {}

  async find(subjects: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const customerId of subjects) {
      const n = await this.decisions.countByCustomer({ customerId });
      if (n > 0) found.set(customerId, n);
    }
    return found;
  }

  async erase(subjects: readonly string[], context: ErasureContext = {}): Promise<ErasureOutcome> {
    const outcome: ErasureOutcome = { subjects: new Map(), totals: emptyErasure() };
    for (const customerId of subjects) {
      context.signal?.throwIfAborted();
      const deleted = await this.decisions.deleteByCustomer(customerId);
      outcome.subjects.set(customerId, { ...emptyErasure(), recordsDeleted: deleted });
      outcome.totals.recordsDeleted += deleted;
    }
    // Even when nothing was found this time: a crash may have come between the deletes and the reclaim.
    context.signal?.throwIfAborted();
    await this.options.reclaim?.(context.signal);
    return outcome;
  }
}
