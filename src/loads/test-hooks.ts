import type { LoadPausePoint, LoadsConfig } from '../config/loads';
import type { Logger } from '../observability/logger';
import { sleep } from '../util/backoff';

/**
 * LAKEGATE_LOADS_TEST_PAUSE_AT + LAKEGATE_LOADS_TEST_PAUSE_MS (test only): every
 * load waits at that point and says so in the log ('loads: paused at <point>'). The
 * SIGKILL test (test/e2e/loads-sigkill.test.ts) waits for the line and kills the
 * process, so the kill lands at the same step every time.
 */
export function loadPause(config: LoadsConfig, logger: Logger): ((point: LoadPausePoint, day: string) => Promise<void>) | undefined {
  if (!config.testPauseAt || config.testPauseMs <= 0) return undefined;
  const at = config.testPauseAt;
  return async (point, day) => {
    if (point !== at) return;
    logger.warn({ point, day, pauseMs: config.testPauseMs }, `loads: paused at ${point}`);
    await sleep(config.testPauseMs);
  };
}
