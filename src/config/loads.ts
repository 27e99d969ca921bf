import { z } from 'zod';
import { envBool, envInt, readEnv, type Env } from './env';

/**
 * The load workflow (src/loads): landing -> lake -> warehouse, one day at a time.
 * A scheduler runs inside `lakegate serve` and `lakegate worker` (on by default);
 * `lakegate load` runs one pass by hand.
 */
export const LOAD_PAUSE_POINTS = ['lake-swap', 'warehouse', 'complete', 'landing'] as const;
export type LoadPausePoint = (typeof LOAD_PAUSE_POINTS)[number];

export interface LoadsConfig {
  /** Run the scheduler (LAKEGATE_LOADS_SCHEDULER, default true). */
  scheduler: boolean;
  /** Time between two passes of the scheduler. */
  intervalMs: number;
  /** Days this far back are checked for new landing files on every pass (late data); older ones load with `lakegate load --day`. */
  lateWindowHours: number;
  /** How long a loader's claim on a day lasts without renewal. */
  leaseMs: number;
  /** Landing files younger than this are not taken yet (a producer writing in place). */
  minFileAgeMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Embedded: before each heavy statement a load waits at most this long for running queries to finish (their latency first). */
  giveWayMs: number;
  /** Development only: a demo producer writes a landing file for today this often (0: off; always off in production). */
  demoProducerMs: number;
  demoEventsPerFile: number;
  /** Test hook: pause at this point of every load and log 'loads: paused at <point>' (never in production). */
  testPauseAt: LoadPausePoint | undefined;
  testPauseMs: number;
}

export function readLoadsConfig(env: Env, production: boolean): LoadsConfig {
  const v = readEnv(env, {
    LAKEGATE_LOADS_SCHEDULER: envBool().default(true),
    LAKEGATE_LOADS_INTERVAL_MS: envInt(100, 86_400_000).default(30_000),
    LAKEGATE_LOADS_LATE_WINDOW_HOURS: envInt(0, 24 * 31).default(72),
    LAKEGATE_LOADS_LEASE_MS: envInt(500, 3_600_000).default(120_000),
    LAKEGATE_LOADS_MIN_FILE_AGE_MS: envInt(0, 3_600_000).default(1000),
    LAKEGATE_LOADS_RETRY_BASE_MS: envInt(10, 86_400_000).default(10_000),
    LAKEGATE_LOADS_RETRY_MAX_MS: envInt(10, 86_400_000).default(600_000),
    LAKEGATE_LOADS_GIVE_WAY_MS: envInt(0, 60_000).default(1000),
    LAKEGATE_LOADS_DEMO_PRODUCER_MS: envInt(0, 3_600_000).default(5000),
    LAKEGATE_LOADS_DEMO_EVENTS: envInt(1, 100_000).default(25),
    LAKEGATE_LOADS_TEST_PAUSE_AT: z.enum(LOAD_PAUSE_POINTS).optional(),
    LAKEGATE_LOADS_TEST_PAUSE_MS: envInt(0, 600_000).default(0),
  });
  return {
    scheduler: v.LAKEGATE_LOADS_SCHEDULER,
    intervalMs: v.LAKEGATE_LOADS_INTERVAL_MS,
    lateWindowHours: v.LAKEGATE_LOADS_LATE_WINDOW_HOURS,
    leaseMs: v.LAKEGATE_LOADS_LEASE_MS,
    minFileAgeMs: v.LAKEGATE_LOADS_MIN_FILE_AGE_MS,
    retryBaseMs: v.LAKEGATE_LOADS_RETRY_BASE_MS,
    retryMaxMs: Math.max(v.LAKEGATE_LOADS_RETRY_BASE_MS, v.LAKEGATE_LOADS_RETRY_MAX_MS),
    giveWayMs: v.LAKEGATE_LOADS_GIVE_WAY_MS,
    demoProducerMs: production ? 0 : v.LAKEGATE_LOADS_DEMO_PRODUCER_MS,
    demoEventsPerFile: v.LAKEGATE_LOADS_DEMO_EVENTS,
    testPauseAt: production ? undefined : v.LAKEGATE_LOADS_TEST_PAUSE_AT,
    testPauseMs: production ? 0 : v.LAKEGATE_LOADS_TEST_PAUSE_MS,
  };
}
