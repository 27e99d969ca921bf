import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout. Fields that could carry secrets or personal data are
 * redacted wherever they appear; the request id is added per request by the
 * HTTP layer (child loggers).
 */
export function createLogger(level: string = process.env.LAKEGATE_LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'lakegate' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', '*.apiKey', '*.key', '*.customerId', '*.email', '*.name'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** A logger for code that runs before configuration is read, and for tests. */
let root: Logger | undefined;
export function rootLogger(): Logger {
  root ??= createLogger();
  return root;
}
export function setRootLogger(logger: Logger): void {
  root = logger;
}
