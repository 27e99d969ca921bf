/**
 * A short public description of a network failure reaching a backend ("connection
 * refused", "timed out", ...), without the addresses the raw error carries; or
 * undefined when `error` is not a network failure. The SDKs keep Node's error
 * code on the error (or in its message, when they wrap it).
 */
const DESCRIPTIONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ECONNABORTED: 'connection aborted',
  ETIMEDOUT: 'timed out',
  ESOCKETTIMEDOUT: 'timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

export function networkFailure(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string' && DESCRIPTIONS[code]) return DESCRIPTIONS[code];
    if (name === 'TimeoutError' || name === 'RequestTimeout') return 'timed out';
    const inMessage = typeof message === 'string' ? /\b(E[A-Z_]{4,})\b/.exec(message)?.[1] : undefined;
    if (inMessage && DESCRIPTIONS[inMessage]) return DESCRIPTIONS[inMessage];
  }
  return undefined;
}

/** Removes http(s) URLs and IPv4 host:port pairs from a message shown to clients. */
export function withoutAddresses(message: string): string {
  return message.replace(/\bhttps?:\/\/[^\s)'"]+/gi, '…').replace(/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '…');
}
