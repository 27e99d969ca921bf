/** Risk decisions: DynamoDB on AWS, the same adapter over dynalite locally. */
export type DecisionOutcome = 'APPROVED' | 'REJECTED' | 'REFERRED';
export type DecisionKind = 'CREDIT' | 'FRAUD' | 'AML';
export type CheckResult = 'PASS' | 'FAIL' | 'ERROR';

export interface DecisionCheck {
  name: string;
  result: CheckResult;
  score: number | null;
  latencyMs: number | null;
}

export interface DecisionRecord {
  id: string;
  transactionId: string;
  customerId: string;
  /** ISO 8601 UTC with milliseconds: sorts as it reads. */
  decidedAt: string;
  outcome: DecisionOutcome;
  kind: DecisionKind;
  policy: string;
  policyVersion: string;
  riskScore: number;
  amount: { value: string; currency: string };
  checks: DecisionCheck[];
  schemaVersion: number;
}

export interface StoredDecision extends DecisionRecord {
  /** Hash of the canonical body: equal bodies, equal hashes (idempotency check). */
  bodyHash: string;
  recordedAt: string;
}

/** A position inside a key-ordered listing; opaque to services (DynamoDB: LastEvaluatedKey). */
export type StorePosition = Record<string, string | number>;

export interface DecisionListing {
  items: StoredDecision[];
  /** Where the next page starts; absent on the last page. */
  next?: StorePosition;
}

export interface CustomerDecisionQuery {
  customerId: string;
  /** Inclusive bounds on decidedAt (ISO). */
  from?: string;
  to?: string;
  limit: number;
  after?: StorePosition;
}

export type PutResult = { created: true; decision: StoredDecision } | { created: false; existing: StoredDecision };

export interface DecisionStore {
  /** Conditional write: stores the decision unless its id exists; durable before it resolves. */
  putIfAbsent(decision: StoredDecision): Promise<PutResult>;
  get(id: string): Promise<StoredDecision | null>;
  /** Batched lookup (BatchGetItem); missing ids are absent from the map. */
  getMany(ids: readonly string[]): Promise<Map<string, StoredDecision>>;
  /** All decisions of a transaction, oldest first (bounded by `limit`). */
  byTransaction(transactionId: string, limit: number): Promise<StoredDecision[]>;
  /** A customer's decisions, newest first. */
  byCustomer(query: CustomerDecisionQuery): Promise<DecisionListing>;
  countByCustomer(query: Omit<CustomerDecisionQuery, 'limit' | 'after'>): Promise<number>;
  /** Bulk load for seeding (BatchWriteItem, unprocessed items retried). */
  putMany(decisions: readonly StoredDecision[]): Promise<void>;
  /** Erasure: deletes every decision of the customer; returns how many went. */
  deleteByCustomer(customerId: string): Promise<number>;
  ping(): Promise<void>;
}
