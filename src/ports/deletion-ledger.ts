import type { StorePosition } from './decision-store';

/**
 * The durable record of GDPR deletion requests (a DynamoDB table in both modes:
 * dynalite locally). No transactions: every method is one conditional write or
 * one read, and src/gdpr orders them so that a crash between any two leaves a
 * state the next identical call repairs.
 *
 * The subject id (`subjectId`) is kept only until the erasure is verified, and
 * sealed by src/gdpr (subject-seal.ts: encrypted, so no stored version holds the
 * raw bytes); completing a request removes it in the same write. Everything else
 * holds the keyed subject hash only.
 */
export type DeletionStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED';

export interface DeletionTargetRecord {
  store: string;
  status: DeletionStatus;
  recordsDeleted: number;
  filesRewritten: number;
  bytesRewritten: number;
  /** Why the step or its verification failed (never holds the subject id). */
  error: string | null;
  startedAt: string | null;
  completedAt: string | null;
  /** The step asked to be run again at this instant (ISO); it is RUNNING meanwhile. */
  resumeAt: string | null;
  /**
   * Objects (s3:// URIs) that held the subject and that the step must see gone
   * before it completes (the Athena lake: data and delete files, removed by a later
   * VACUUM); recorded by the step, kept until it completes. Never holds the subject id.
   */
  pendingObjects?: string[];
}

export interface DeletionRequestRecord {
  id: string;
  subjectType: 'customer';
  /** Keyed hash of the subject id (src/util/hash.ts subjectHash). */
  subjectHash: string;
  /** The subject id, sealed (src/gdpr/subject-seal.ts; raw in requests recorded before sealing), while the erasure needs it; null once verified. */
  subjectId: string | null;
  status: DeletionStatus;
  reason: string | null;
  /** Principal (API key id) that asked. */
  requestedBy: string;
  requestedAt: string;
  /** requestedAt + 30 days. */
  dueBy: string;
  startedAt: string | null;
  completedAt: string | null;
  verifiedAt: string | null;
  /** Times an executor claimed it. */
  attempts: number;
  /** One per store, in ERASURE_STORE_ORDER. */
  targets: DeletionTargetRecord[];
  lastError: string | null;
  /** Not to be claimed before this instant (ISO): retry backoff, or a step waiting to resume. */
  nextAttemptAt: string | null;
  /** The executor holding it, while one does. */
  lease: { owner: string; expiresAt: string } | null;
}

export type NewDeletionRequest = Omit<DeletionRequestRecord, 'startedAt' | 'completedAt' | 'verifiedAt' | 'attempts' | 'lastError' | 'nextAttemptAt' | 'lease' | 'status'> & {
  /** Hash of the idempotency key (scoped to the principal), when one was given. */
  idempotencyKeyHash: string | null;
};

export interface IdempotencyClaim {
  /** The request the key belongs to (ours if we claimed it first). */
  requestId: string;
  subjectHash: string;
  created: boolean;
}

export interface DeletionListing {
  items: DeletionRequestRecord[];
  /** Where a listing resuming after each item starts (same order as items). */
  positions: StorePosition[];
  next?: StorePosition;
}

/** How a request leaves an executor's hands. */
export type DeletionSettlement =
  | { status: 'COMPLETED'; completedAt: string; verifiedAt: string }
  | { status: 'FAILED'; lastError: string; nextAttemptAt: string }
  /** Still RUNNING, waiting for a step to resume (no lease meanwhile). */
  | { status: 'RUNNING'; nextAttemptAt: string }
  /** Lease given back as it was (executor stopping). */
  | { status: 'RELEASED' };

export interface DeletionLedger {
  // --- intake -----------------------------------------------------------------
  /** Records key -> requestId unless the key is known; returns the owner either way. */
  claimIdempotencyKey(keyHash: string, requestId: string, subjectHash: string, at: string): Promise<IdempotencyClaim>;
  /** Points a key from `fromId` to `toId` (the subject's open request won); no-op if it points elsewhere. */
  repointIdempotencyKey(keyHash: string, fromId: string, toId: string): Promise<void>;
  /** Makes `requestId` the subject's open request unless another one is; returns the holder. */
  claimSubject(subjectHash: string, requestId: string): Promise<string>;
  /** Moves the subject's open request from a finished `fromId` to `toId`; false if the holder changed. */
  replaceSubjectHolder(subjectHash: string, fromId: string, toId: string): Promise<boolean>;
  /** After completion: the subject has no open request any more (no-op if another holds it). */
  releaseSubject(subjectHash: string, requestId: string): Promise<void>;
  /** Creates the request unless its id exists; returns the stored one either way. */
  createRequest(request: NewDeletionRequest): Promise<{ created: boolean; request: DeletionRequestRecord }>;

  // --- reads -------------------------------------------------------------------
  get(id: string): Promise<DeletionRequestRecord | null>;
  /** Newest first; optionally one status. */
  list(query: { status?: DeletionStatus; limit: number; after?: StorePosition }): Promise<DeletionListing>;
  count(query: { status?: DeletionStatus }): Promise<number>;
  /** Requests not COMPLETED (PENDING, RUNNING, FAILED). */
  countOpen(): Promise<number>;

  // --- execution ----------------------------------------------------------------
  /** Candidates an executor may claim now (an index read: may be stale; acquireLease decides). */
  claimable(now: number, limit: number): Promise<DeletionRequestRecord[]>;
  /** Conditional claim: PENDING, FAILED or RUNNING, with no live lease and nothing to wait for. Null when someone else has it. */
  acquireLease(id: string, owner: string, now: number, leaseMs: number): Promise<DeletionRequestRecord | null>;
  /** Extends a lease still held by `owner`; false when it was lost. */
  renewLease(id: string, owner: string, now: number, leaseMs: number): Promise<boolean>;
  /** Records one store's outcome; false when the lease was lost (nothing written). */
  updateTarget(id: string, owner: string, target: DeletionTargetRecord): Promise<boolean>;
  /** Ends the lease with an outcome; COMPLETED removes the raw subject id. False when the lease was lost. */
  settle(id: string, owner: string, settlement: DeletionSettlement): Promise<boolean>;
  /**
   * A FAILED request waiting for its retry becomes claimable now (what it waited
   * for is back, e.g. the cache). False when it is not FAILED, is leased, or is due already.
   */
  retryNow(id: string, now: number): Promise<boolean>;
}
