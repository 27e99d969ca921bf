import type { DeletionLedger } from '../ports/deletion-ledger';
import type { StorePosition } from '../ports/decision-store';
import { subjectHash } from '../util/hash';

const PAGE = 500;

/**
 * Which customer ids of a load belong to a data subject with a deletion request
 * (any status: one still running must not be refilled behind its back either).
 * Matched by the keyed subject hash the ledger keeps; the ledger is read again for
 * every load, so a request completed a moment ago counts.
 */
export class ErasedSubjects {
  constructor(
    private readonly ledger: DeletionLedger,
    private readonly subjectHashKey: string,
  ) {}

  async among(customerIds: readonly string[]): Promise<Set<string>> {
    const hashes = await this.requestedHashes();
    const out = new Set<string>();
    if (hashes.size === 0) return out;
    for (const id of customerIds) if (hashes.has(subjectHash(this.subjectHashKey, id))) out.add(id);
    return out;
  }

  private async requestedHashes(): Promise<Set<string>> {
    const hashes = new Set<string>();
    let after: StorePosition | undefined;
    do {
      const page = await this.ledger.list({ limit: PAGE, after });
      for (const request of page.items) hashes.add(request.subjectHash);
      after = page.next;
    } while (after);
    return hashes;
  }
}
