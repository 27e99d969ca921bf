import type { Config } from '../config/config';
import type { DecisionStore } from '../ports/decision-store';
import { addDays, isDay, today, type Day } from '../util/days';

export type SeedPhase = 'prepare' | 'customers' | 'events' | 'warehouse' | 'jobRuns' | 'catalog' | 'decisions' | 'finalize';
export const SEED_PHASES: readonly SeedPhase[] = ['prepare', 'customers', 'events', 'warehouse', 'jobRuns', 'catalog', 'decisions', 'finalize'];

export interface SeedProgressEvent {
  phase: SeedPhase;
  /** Units done so far and in total (total 0 when unknown). */
  done: number;
  total: number;
  unit: string;
  finished: boolean;
  /** Time spent in the phase so far. */
  ms: number;
}

export interface SeedOptions {
  dataDir: string;
  events: number;
  days: number;
  customers: number;
  decisions: number;
  /** Last day of the data (default: yesterday, UTC). */
  endDay?: Day;
  randomSeed: number;
  /** Files per day partition. */
  buckets: number;
  /** Where the decisions go (DynamoDB adapter over dynalite in the embedded mode). */
  decisionStore: DecisionStore;
  /** DuckDB settings while seeding (default memory limit 2GB). */
  duckdb?: { threads?: number; memoryLimit?: string };
  onProgress?: (event: SeedProgressEvent) => void;
  /** Clock for seededAt and the default endDay (tests). */
  now?: () => Date;
}

export interface ResolvedSeedOptions extends Omit<SeedOptions, 'endDay' | 'now' | 'onProgress'> {
  startDay: Day;
  endDay: Day;
  now: () => Date;
  onProgress: (event: SeedProgressEvent) => void;
}

export const MAX_SEED_EVENTS = 50_000_000;

export function resolveSeedOptions(options: SeedOptions): ResolvedSeedOptions {
  const now = options.now ?? (() => new Date());
  const endDay = options.endDay ?? addDays(today(now()), -1);
  const problems: string[] = [];
  if (!isDay(endDay)) problems.push(`endDay must be a day (YYYY-MM-DD), got ${JSON.stringify(endDay)}`);
  const int = (name: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  };
  int('events', options.events, 0, MAX_SEED_EVENTS);
  int('days', options.days, 1, 3660);
  int('customers', options.customers, 1, 10_000_000);
  int('decisions', options.decisions, 0, 10_000_000);
  int('buckets', options.buckets, 1, 1024);
  int('randomSeed', options.randomSeed, 0, 2 ** 31 - 1);
  if (problems.length > 0) throw new RangeError(`seed: ${problems.join('; ')}`);
  return {
    ...options,
    endDay,
    startDay: addDays(endDay, -(options.days - 1)),
    now,
    onProgress: options.onProgress ?? (() => undefined),
  };
}

/** Seed options from the configuration (LAKEGATE_SEED_*, LAKEGATE_DATA_DIR, ...). */
export function seedOptionsFromConfig(config: Config, decisionStore: DecisionStore, extra: Partial<SeedOptions> = {}): SeedOptions {
  return {
    dataDir: config.embedded.dataDir,
    events: config.seed.events,
    days: config.seed.days,
    customers: config.seed.customers,
    decisions: config.seed.decisions,
    endDay: config.seed.endDay,
    randomSeed: config.seed.randomSeed,
    buckets: config.embedded.lakeBuckets,
    decisionStore,
    duckdb: { threads: config.embedded.duckdbThreads, memoryLimit: config.embedded.duckdbMemoryLimit },
    ...extra,
  };
}
