/**
 * What every store holding a data subject must offer the erasure workflow
 * (src/gdpr): find the subjects' records, erase them. Both take a batch of
 * subjects (raw customer ids) so a store can do the work once for all of them
 * (the embedded lake rewrites each affected file once).
 *
 * erase() must be idempotent (records already gone count 0) and safe to
 * interrupt at any point: a second call finishes what the first left.
 */
export type ErasureStoreName = 'decisions' | 'landing' | 'lake' | 'warehouse' | 'cache';

/**
 * The order the executor erases in: files waiting in landing before the lake (a load
 * meanwhile cannot bring the subject back), the cache last, once no store can
 * refill it with the subject.
 */
export const ERASURE_STORE_ORDER: readonly ErasureStoreName[] = ['decisions', 'landing', 'lake', 'warehouse', 'cache'];

export interface SubjectErasure {
  recordsDeleted: number;
  /** Files rewritten that held this subject (a file shared by several subjects counts for each). */
  filesRewritten: number;
  bytesRewritten: number;
}

export interface ErasureOutcome {
  /** Per subject (raw id); subjects without records may be absent. */
  subjects: Map<string, SubjectErasure>;
  /** The whole batch: each file counted once. */
  totals: SubjectErasure;
  /**
   * Not finished yet: call erase() again (with `resuming`) at or after this instant
   * (ISO). Athena: snapshots written before the DELETE must age before VACUUM can
   * remove the files that still hold the rows.
   */
  resumeAt?: string;
}

export interface ErasureContext {
  /** Aborted when the executor loses its lease or stops: stop between units of work. */
  signal?: AbortSignal;
  /** A previous erase() of these subjects asked to be resumed (resumeAt has passed). */
  resuming?: boolean;
  /**
   * Objects earlier runs of this step recorded for these subjects (recordPending)
   * and that are not confirmed gone yet: the step checks them before completing.
   */
  pendingObjects?: readonly string[];
  /**
   * Records, durably and before the step goes on, objects that hold each subject
   * (raw id -> s3:// URIs; no personal data in them) and that the step will have to
   * see removed: a crash or a failure later in the step loses none of them.
   */
  recordPending?(objects: ReadonlyMap<string, readonly string[]>): Promise<void>;
}

export interface ErasureStore {
  readonly store: ErasureStoreName;
  /** Records each subject still has here (verification); subjects with none may be absent. */
  find(subjects: readonly string[], signal?: AbortSignal): Promise<Map<string, number>>;
  erase(subjects: readonly string[], context?: ErasureContext): Promise<ErasureOutcome>;
  /** Repairs what a crashed erase left behind (e.g. temporary files); run once before the first pass. */
  recover?(): Promise<void>;
}

export function emptyErasure(): SubjectErasure {
  return { recordsDeleted: 0, filesRewritten: 0, bytesRewritten: 0 };
}

/** A file that still holds a subject's raw id after every store erased it. */
export interface Residue {
  /** Path relative to the scanned directory (never the id: names are redacted by the caller). */
  file: string;
  /** The store that keeps the file (its step runs again on the retry), or null for a file no store owns. */
  store: ErasureStoreName | null;
  /** The file is also the deletion ledger's (the embedded DynamoDB keeps both). */
  ledger?: boolean;
}

/**
 * Byte-level verification of an erasure, where the stores keep their data in local
 * files (the embedded mode): after every store reported the subjects gone, their
 * files are searched for each subject's raw id. The records a store still finds are
 * one question; the bytes its files still hold (deleted rows in freed blocks,
 * superseded versions, write-ahead logs) are another.
 */
export interface ResidueScan {
  /** Subjects (raw ids) -> files holding them; subjects found nowhere may be absent. One pass over the files for the batch. */
  scan(subjects: readonly string[], signal?: AbortSignal): Promise<Map<string, Residue[]>>;
  /**
   * After requests completed (the ledger dropped their sealed subject ids): drops the
   * superseded ledger versions that still held them (embedded: a LevelDB compaction).
   */
  afterCompleted?(signal?: AbortSignal): Promise<void>;
}
