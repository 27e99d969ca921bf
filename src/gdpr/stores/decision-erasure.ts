import type { DecisionStore } from '../../ports/decision-store';
import { emptyErasure, type ErasureContext, type ErasureOutcome, type ErasureStore } from '../../ports/erasure';

/**
 * Decisions: every item of the subject. The store's indexes (by transaction, by
 * customer) are projections of the same items, so deleting the items empties them
 * too; verification reads the customer index.
 */
export class DecisionErasure implements ErasureStore {
  readonly store = 'decisions' as const;

  constructor(private readonly decisions: DecisionStore) {}

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
    return outcome;
  }
}
