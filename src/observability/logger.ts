import pino, { type Logger } from 'pino';
import SonicBoom from 'sonic-boom';

export type { Logger };

/**
 * JSON logs on stdout. Fields that could carry secrets or personal data are
 * redacted wherever they appear; the request id is added per request by the
 * HTTP layer (child loggers).
 */
export function createLogger(level: string = process.env.LAKEGATE_LOG_LEVEL ?? 'info', destination: pino.DestinationStream = bufferedStdout()): Logger {
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

let stdout: pino.DestinationStream | undefined;

/**
 * stdout, written in 4 KiB chunks (or every 200 ms) instead of one write per line:
 * one log line per request is otherwise a measurable share of a cached answer.
 * Flushed synchronously when the process exits, so lines are not lost on a
 * normal or error exit.
 *
 * When stdout breaks (a pipe whose reader exited: EPIPE), logging stops instead of
 * retrying: a log shipper that died must never keep the process from serving or
 * from stopping (it used to loop on EPIPE writes and ignore SIGTERM).
 */
function bufferedStdout(): pino.DestinationStream {
  if (stdout) return stdout;
  let exiting = false;
  // A full pipe (a reader that stopped reading) answers EAGAIN: retried while serving, given up at exit (a
  // synchronous flush would otherwise retry forever and the process would never end). SonicBoom itself,
  // not pino.destination(): that one also registers its own exit flush, which runs before ours and
  // retries EAGAIN forever (`lakegate serve | stalled-shipper` then never exits after SIGTERM).
  const destination = new SonicBoom({ fd: 1, minLength: 4096, sync: false, retryEAGAIN: () => !exiting });
  let broken = false;
  destination.on('error', () => {
    broken = true;
  });
  const flush = () => {
    exiting = true;
    if (broken) return;
    try {
      destination.flushSync();
    } catch {
      // not ready yet (nothing written), or stdout is gone: nothing to flush
    }
  };
  const timer = setInterval(() => {
    if (broken) clearInterval(timer);
    else destination.flush();
  }, 200);
  timer.unref();
  process.once('exit', flush);
  stdout = {
    write(line: string) {
      if (!broken) destination.write(line);
    },
  };
  return stdout;
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
