/**
 * What every store holding a data subject must offer the erasure workflow
 * (src/gdpr): find the subjects' records, erase them. Both take a batch of
 * subjects (raw customer ids) so a store can do the work once for all of them
 * (the embedded lake rewrites each affected file once).
 *
 * erase() must be idempotent (records already gone count 0) and safe to
 * interrupt at any point: a second call finishes what the first left.
 */
export type ErasureStoreName = 'decisions' | 'lake' | 'warehouse' | 'cache';

/** The order the executor erases in: the cache last, once no store can refill it with the subject. */
export const ERASURE_STORE_ORDER: readonly ErasureStoreName[] = ['decisions', 'lake', 'warehouse', 'cache'];

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
