import { currentTenant, tenantSees } from '../../auth/tenant';
import { AppError, badInput, ErrorCode } from '../../errors/app-error';
import type { DecisionStore, StoredDecision, StorePosition } from '../../ports/decision-store';
import { hasExactKeys, isId, isInstantIdKey, queryFingerprint, type CursorCodec } from '../../util/cursor';
import { emptyPage, makePage, pageSize, type Page } from '../../util/pagination';
import { identifier } from '../validation';
import { decisionBodyHash } from './decision-hash';
import { validateDecisionInput, type DecisionInput } from './decision-input';

/** Most decisions a transaction may list (a transaction has a handful). */
const MAX_DECISIONS_PER_TRANSACTION = 1000;

export interface CustomerDecisionsArgs {
  customerId: string;
  from?: string | null;
  to?: string | null;
  first?: number | null;
  after?: string | null;
}

/** Exactly the byCustomer position this service issues: { id, customerId, decidedAtId: `${decidedAt}#${id}` } of the queried customer. */
const customerPosition =
  (customerId: string) =>
  (p: unknown): p is StorePosition =>
    hasExactKeys(p, ['id', 'customerId', 'decidedAtId']) && isId(p.id) && p.customerId === customerId && isInstantIdKey(p.decidedAtId, p.id);

/**
 * Decisions are read straight from the decision store (DynamoDB reads by key are
 * single-digit milliseconds and must reflect writes at once), not cached.
 */
export class DecisionService {
  constructor(
    private readonly store: DecisionStore,
    private readonly cursors: CursorCodec,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Validates a decision id (for the per-request loader). */
  checkedId(argument: string, id: string): string {
    return identifier(argument, id);
  }

  // Tenants (src/auth/tenant.ts): another customer's decision reads as absent (null,
  // an empty list or page), exactly like one that does not exist.

  async get(id: string): Promise<StoredDecision | null> {
    const decision = await this.store.get(identifier('id', id));
    return decision && tenantSees(currentTenant(), decision.customerId) ? decision : null;
  }

  /** Batched lookup for the per-request DataLoader. */
  async getMany(ids: readonly string[]): Promise<Map<string, StoredDecision>> {
    const found = await this.store.getMany(ids);
    const tenant = currentTenant();
    if (!tenant) return found;
    return new Map([...found].filter(([, decision]) => tenantSees(tenant, decision.customerId)));
  }

  async byTransaction(transactionId: string): Promise<StoredDecision[]> {
    const decisions = await this.store.byTransaction(identifier('transactionId', transactionId), MAX_DECISIONS_PER_TRANSACTION);
    const tenant = currentTenant();
    return tenant ? decisions.filter((d) => tenantSees(tenant, d.customerId)) : decisions;
  }

  async byCustomer(args: CustomerDecisionsArgs): Promise<Page<StoredDecision>> {
    const customerId = identifier('customerId', args.customerId);
    const limit = pageSize(args.first);
    const from = args.from ?? undefined;
    const to = args.to ?? undefined;
    if (from && to && from > to) throw badInput('from', `must not be after to (${from} > ${to})`);
    if (!tenantSees(currentTenant(), customerId)) return emptyPage(args.after != null);
    const fingerprint = queryFingerprint({ q: 'customerDecisions', customerId, from, to });
    const after = args.after ? this.cursors.decode(args.after, fingerprint, customerPosition(customerId)) : undefined;
    const listing = await this.store.byCustomer({ customerId, from, to, limit, after });
    return makePage(
      listing.items,
      (d) => this.cursors.encode(fingerprint, { id: d.id, customerId: d.customerId, decidedAtId: `${d.decidedAt}#${d.id}` }),
      listing.next !== undefined,
      after !== undefined,
      () => this.store.countByCustomer({ customerId, from, to }),
    );
  }

  /**
   * Records a decision; durable before it returns. Idempotent on id: the same body
   * returns the stored decision, another body is refused.
   */
  async record(input: DecisionInput): Promise<StoredDecision> {
    const record = validateDecisionInput(input, this.clock());
    if (!tenantSees(currentTenant(), record.customerId)) {
      throw new AppError(ErrorCode.FORBIDDEN, 'this principal may record decisions only for its own customers (input.customerId is not one of them)', { details: { argument: 'input.customerId' } });
    }
    const decision: StoredDecision = { ...record, bodyHash: decisionBodyHash(record), recordedAt: new Date(this.clock()).toISOString() };
    const result = await this.store.putIfAbsent(decision);
    if (result.created) return result.decision;
    if (result.existing.bodyHash === decision.bodyHash) return result.existing;
    throw badInput('input.id', `decision "${record.id}" was already recorded with a different body; decisions are immutable, record the change under a new id`, {
      existingRecordedAt: result.existing.recordedAt,
    });
  }
}
