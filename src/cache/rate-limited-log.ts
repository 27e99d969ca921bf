import type { Logger } from '../observability/logger';

/**
 * Logs a warning per kind at most once per interval, with how many were
 * suppressed meanwhile: a Redis outage must not flood the logs.
 */
export function rateLimitedWarn(logger: Logger, intervalMs = 10_000): (kind: string, fields: Record<string, unknown>, message: string) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (kind, fields, message) => {
    const now = Date.now();
    const state = last.get(kind);
    if (state && now - state.at < intervalMs) {
      state.suppressed++;
      return;
    }
    logger.warn({ ...fields, kind, suppressed: state?.suppressed ?? 0 }, message);
    last.set(kind, { at: now, suppressed: 0 });
  };
}
