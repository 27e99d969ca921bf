import type { Day } from '../util/days';
import type { LandingFile, QuarantineReason } from './loads';

/**
 * The durable record of the load workflow, one item per day (a DynamoDB table in
 * both modes, like the deletion ledger). No transactions: each method is one
 * conditional write or one read. A lease makes one loader own a day at a time,
 * across processes; a loader that dies leaves a lease that expires.
 */
export type LoadDayState = 'PENDING' | 'LOADING' | 'LOADED' | 'FAILED';
export type LoadStep = 'lake' | 'warehouse' | 'landing';

export interface LoadDayRecord {
  day: Day;
  state: LoadDayState;
  /** The step in progress (LOADING) or the one that failed (FAILED). */
  step: LoadStep | null;
  /** Files the running (or last) load took, with their versions. */
  taking: LandingFile[];
  /** Versions of every landing file already loaded into the day (`name@version`): AWS keeps its landing files, so new ones are told apart by this. */
  loadedVersions: string[];
  /** Totals over every load of the day. */
  landingRows: number;
  addedRows: number;
  duplicateRows: number;
  quarantinedRows: number;
  quarantineReasons: Partial<Record<QuarantineReason, number>>;
  erasedRows: number;
  /** After the last load: events in the lake, events in the warehouse. */
  lakeRows: number;
  warehouseRows: number;
  /** After the last load, when the lake told (LakeDayLoad.day): the day's data bytes, files and partitions. */
  lakeBytes?: number;
  lakeFiles?: number;
  lakePartitions?: number;
  newestEventAt: string | null;
  loadedAt: string | null;
  /** A reload was asked for (loadDays), not yet done. */
  requestedAt: string | null;
  attempts: number;
  lastError: string | null;
  /** Not to be retried before this instant (backoff after a failure). */
  nextAttemptAt: string | null;
  lease: { owner: string; expiresAt: string } | null;
  updatedAt: string;
}

/** What one finished load adds to the day's record. */
export interface LoadDayOutcome {
  files: readonly LandingFile[];
  landingRows: number;
  addedRows: number;
  duplicateRows: number;
  quarantinedRows: number;
  quarantineReasons: Partial<Record<QuarantineReason, number>>;
  erasedRows: number;
  lakeRows: number;
  warehouseRows: number;
  /** The day's size in the lake after the load (LakeDayLoad.day), when the lake told. */
  lakeDay?: { bytes: number; files: number; partitions: number };
  newestEventAt: string | null;
  loadedAt: string;
}

export interface LoadLedger {
  get(day: Day): Promise<LoadDayRecord | null>;
  /** The records of these days that exist (one batched read). */
  getMany(days: readonly Day[]): Promise<LoadDayRecord[]>;
  /** Every day's record (the ledger holds one item per day ever loaded: thousands at most). */
  all(): Promise<LoadDayRecord[]>;
  /**
   * Takes the day (creating its record) unless another live lease holds it
   * (`takeOver`: whatever lease holds it, for a ledger only this process can reach:
   * a lease found there was left by a process that died). Returns the record as
   * leased, or null.
   */
  acquire(day: Day, owner: string, now: number, leaseMs: number, takeOver?: boolean): Promise<LoadDayRecord | null>;
  renew(day: Day, owner: string, now: number, leaseMs: number): Promise<boolean>;
  /** The step about to run, and the files taken; false when the lease was lost. */
  begin(day: Day, owner: string, step: LoadStep, taking: readonly LandingFile[]): Promise<boolean>;
  /**
   * Ends the lease with the day LOADED and the outcome added to its totals; clears
   * requestedAt when it is older than `startedAt`. `loadedVersions` replaces the
   * day's list (`name@version` of the landing files loaded and still present).
   */
  complete(day: Day, owner: string, outcome: LoadDayOutcome, startedAt: string, loadedVersions: readonly string[]): Promise<boolean>;
  /** Ends the lease with the day FAILED (retried at `nextAttemptAt`). */
  fail(day: Day, owner: string, error: string, nextAttemptAt: string): Promise<boolean>;
  /** Gives the lease back unchanged (stopping). */
  release(day: Day, owner: string): Promise<void>;
  /** loadDays: the days are reloaded on the next pass (records created as PENDING where missing). */
  request(days: readonly Day[], at: string): Promise<void>;
}
