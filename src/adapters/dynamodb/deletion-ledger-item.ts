import { gunzipSync, gzipSync } from 'node:zlib';
import type { DeletionRequestRecord, DeletionStatus, DeletionTargetRecord, NewDeletionRequest } from '../../ports/deletion-ledger';

/**
 * Items of the deletion-requests table (migrations/dynamodb/003): one table, key
 * `pk`, three kinds of item told apart by the key's prefix:
 *
 *   request#<id>        the request (the audit record). Indexed by byStatus
 *                       (status, requestedAtId) and byRequestedAt (itemType,
 *                       requestedAtId), both read newest first.
 *   idem#<key hash>     idempotency key -> requestId (+ subjectHash)
 *   subject#<hash>      the subject's open request (openRequestId)
 *
 * Only request items carry `status` and `itemType`, so only they are in the
 * indexes (sparse indexes). Lease and retry instants are epoch-ms numbers so the
 * claim condition can compare them; everything shown is ISO text.
 */
export const BY_STATUS_INDEX = 'byStatus';
export const BY_REQUESTED_AT_INDEX = 'byRequestedAt';
export const REQUEST_ITEM_TYPE = 'request';

export const requestKey = (id: string) => `request#${id}`;
export const idempotencyKey = (keyHash: string) => `idem#${keyHash}`;
export const subjectKey = (subjectHash: string) => `subject#${subjectHash}`;

export function requestedAtId(requestedAt: string, id: string): string {
  return `${requestedAt}#${id}`;
}

interface TargetItem {
  status: DeletionStatus;
  recordsDeleted: number;
  filesRewritten: number;
  bytesRewritten: number;
  error?: string | null;
  startedAt?: string | null;
  completedAt?: string | null;
  resumeAt?: string | null;
  /** pendingObjects: gzip of the URIs, one per line (a subject's files over years of days fit an item). */
  pendingObjects?: Uint8Array;
}

export interface RequestItem {
  pk: string;
  itemType: typeof REQUEST_ITEM_TYPE;
  requestedAtId: string;
  id: string;
  subjectType: 'customer';
  subjectHash: string;
  subjectId?: string;
  status: DeletionStatus;
  reason?: string | null;
  requestedBy: string;
  requestedAt: string;
  dueBy: string;
  startedAt?: string;
  completedAt?: string;
  verifiedAt?: string;
  attempts: number;
  targets: Record<string, TargetItem>;
  /** Store names in order (a map has none). */
  storeOrder: string[];
  lastError?: string;
  nextAttemptAt?: number;
  leaseOwner?: string;
  leaseExpiresAt?: number;
  idempotencyKeyHash?: string;
}

export function targetItem(t: DeletionTargetRecord): TargetItem {
  return {
    status: t.status,
    recordsDeleted: t.recordsDeleted,
    filesRewritten: t.filesRewritten,
    bytesRewritten: t.bytesRewritten,
    error: t.error,
    startedAt: t.startedAt,
    completedAt: t.completedAt,
    resumeAt: t.resumeAt,
    ...(t.pendingObjects && t.pendingObjects.length > 0 ? { pendingObjects: gzipSync(Buffer.from(t.pendingObjects.join('\n'), 'utf8')) } : {}),
  };
}

function pendingObjectsOf(value: unknown): string[] | undefined {
  if (!(value instanceof Uint8Array) || value.length === 0) return undefined;
  return gunzipSync(value).toString('utf8').split('\n').filter(Boolean);
}

export function toRequestItem(r: NewDeletionRequest): RequestItem {
  const item: RequestItem = {
    pk: requestKey(r.id),
    itemType: REQUEST_ITEM_TYPE,
    requestedAtId: requestedAtId(r.requestedAt, r.id),
    id: r.id,
    subjectType: r.subjectType,
    subjectHash: r.subjectHash,
    status: 'PENDING',
    reason: r.reason,
    requestedBy: r.requestedBy,
    requestedAt: r.requestedAt,
    dueBy: r.dueBy,
    attempts: 0,
    targets: Object.fromEntries(r.targets.map((t) => [t.store, targetItem(t)])),
    storeOrder: r.targets.map((t) => t.store),
  };
  if (r.subjectId !== null) item.subjectId = r.subjectId;
  if (r.idempotencyKeyHash) item.idempotencyKeyHash = r.idempotencyKeyHash;
  return item;
}

const iso = (ms: number | undefined) => (typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : null);
const text = (value: unknown) => (typeof value === 'string' ? value : null);

export function fromRequestItem(raw: Record<string, unknown>): DeletionRequestRecord {
  const item = raw as unknown as RequestItem;
  const targets = item.targets ?? {};
  const order = Array.isArray(item.storeOrder) ? item.storeOrder : Object.keys(targets);
  return {
    id: item.id,
    subjectType: 'customer',
    subjectHash: item.subjectHash,
    subjectId: text(item.subjectId),
    status: item.status,
    reason: text(item.reason),
    requestedBy: item.requestedBy,
    requestedAt: item.requestedAt,
    dueBy: item.dueBy,
    startedAt: text(item.startedAt),
    completedAt: text(item.completedAt),
    verifiedAt: text(item.verifiedAt),
    attempts: Number(item.attempts ?? 0),
    targets: order
      .filter((store) => targets[store])
      .map((store) => {
        const t = targets[store]!;
        return {
          store,
          status: t.status,
          recordsDeleted: Number(t.recordsDeleted ?? 0),
          filesRewritten: Number(t.filesRewritten ?? 0),
          bytesRewritten: Number(t.bytesRewritten ?? 0),
          error: text(t.error),
          startedAt: text(t.startedAt),
          completedAt: text(t.completedAt),
          resumeAt: text(t.resumeAt),
          ...(pendingObjectsOf(t.pendingObjects) ? { pendingObjects: pendingObjectsOf(t.pendingObjects)! } : {}),
        };
      }),
    lastError: text(item.lastError),
    nextAttemptAt: iso(item.nextAttemptAt),
    lease: item.leaseOwner && typeof item.leaseExpiresAt === 'number' ? { owner: item.leaseOwner, expiresAt: iso(item.leaseExpiresAt)! } : null,
  };
}
