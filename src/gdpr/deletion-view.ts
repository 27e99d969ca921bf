import type { DeletionRequestRecord, DeletionStatus, DeletionTargetRecord } from '../ports/deletion-ledger';

/** The right to erasure gives one month: requests are due 30 days after they were made. */
export const ERASURE_DEADLINE_DAYS = 30;

export function dueBy(requestedAt: string): string {
  return new Date(Date.parse(requestedAt) + ERASURE_DEADLINE_DAYS * 86_400_000).toISOString();
}

/** A deletion request as the API shows it: no raw subject id, no lease internals. */
export interface DeletionRequestView {
  id: string;
  subjectType: string;
  subjectHash: string;
  status: DeletionStatus;
  reason: string | null;
  /** Null when withheld (see withholdOthers). */
  requestedBy: string | null;
  requestedAt: string;
  dueBy: string;
  /** Not COMPLETED and past dueBy. */
  overdue: boolean;
  startedAt: string | null;
  completedAt: string | null;
  verifiedAt: string | null;
  attempts: number;
  targets: DeletionTargetRecord[];
  lastError: string | null;
  nextAttemptAt: string | null;
}

export function toDeletionView(record: DeletionRequestRecord, now: number = Date.now()): DeletionRequestView {
  return {
    id: record.id,
    subjectType: record.subjectType,
    subjectHash: record.subjectHash,
    status: record.status,
    reason: record.reason,
    requestedBy: record.requestedBy,
    requestedAt: record.requestedAt,
    dueBy: record.dueBy,
    overdue: record.status !== 'COMPLETED' && now > Date.parse(record.dueBy),
    startedAt: record.startedAt,
    completedAt: record.completedAt,
    verifiedAt: record.verifiedAt,
    attempts: record.attempts,
    targets: record.targets.map((t) => ({ ...t })),
    lastError: record.lastError,
    nextAttemptAt: record.status === 'COMPLETED' ? null : record.nextAttemptAt,
  };
}

/**
 * Another principal's request as answered to a caller that may not read requests
 * (gdpr:write without gdpr:read) but asked for the same subject: the request
 * that answers the call, without what only readers may learn about it (who asked,
 * why, and the stores' error messages).
 */
export function withholdOthers(view: DeletionRequestView): DeletionRequestView {
  return { ...view, reason: null, requestedBy: null, lastError: null, targets: view.targets.map((t) => ({ ...t, error: null })) };
}

export function pendingTarget(store: string): DeletionTargetRecord {
  return { store, status: 'PENDING', recordsDeleted: 0, filesRewritten: 0, bytesRewritten: 0, error: null, startedAt: null, completedAt: null, resumeAt: null };
}
