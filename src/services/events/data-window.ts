import type { LakePartitionInfo } from '../../ports/lake';
import type { Day } from '../../util/days';

/** The days the lake holds data for: what a query can ask about. */
export interface DataWindow {
  oldestDay: Day;
  newestDay: Day;
}

const REMEMBER_MS = 60_000;

/**
 * The lake's window (its oldest and newest day partitions), read only when an
 * answer came back empty and remembered for a minute: listing partitions is free
 * on local files, a metadata call on AWS.
 */
export class DataWindowReader {
  private remembered: { at: number; window: Promise<DataWindow | null> } | undefined;

  constructor(
    private readonly partitions: () => Promise<LakePartitionInfo[]>,
    private readonly clock: () => number = Date.now,
  ) {}

  read(): Promise<DataWindow | null> {
    const now = this.clock();
    if (!this.remembered || now - this.remembered.at > REMEMBER_MS) {
      const window = this.partitions().then((days) => (days.length === 0 ? null : { oldestDay: days[0]!.day, newestDay: days[days.length - 1]!.day }));
      this.remembered = { at: now, window };
      window.catch(() => (this.remembered = undefined));
    }
    return this.remembered.window;
  }
}

/** True when some day of from..to (inclusive) lies outside the window. */
export function reachesOutside(range: { from: string; to: string }, window: DataWindow): boolean {
  return range.from < window.oldestDay || range.to > window.newestDay;
}
