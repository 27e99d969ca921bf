import path from 'node:path';
import type { Logger } from '../observability/logger';
import { sleep } from '../util/backoff';

/**
 * LAKEGATE_GDPR_TEST_PAUSE_BEFORE_SWAP_MS (test only, 0 = off): the embedded lake
 * rewrite pauses after each rewritten file (from LAKEGATE_GDPR_TEST_PAUSE_FROM_FILE
 * of the pass on) is written and synced, before it replaces the original, and
 * says so in the log. The SIGKILL test
 * (test/e2e/gdpr-sigkill.test.ts) waits for that line and kills the worker, so
 * the kill lands in the middle of a lake rewrite every time.
 */
export function pauseBeforeSwap(ms: number, fromFile: number, logger: Logger): ((info: { file: string; index: number; files: number }) => Promise<void>) | undefined {
  if (ms <= 0) return undefined;
  return async (info) => {
    if (info.index < fromFile) return;
    logger.warn({ file: path.basename(info.file), day: path.basename(path.dirname(info.file)), index: info.index, files: info.files, pauseMs: ms }, 'gdpr: paused before swap');
    await sleep(ms);
  };
}
