import { loadConfig } from '../config/config';
import { startApp } from '../main';
import { createLogger } from '../observability/logger';

/** `lakegate serve`: runs until SIGTERM/SIGINT, then drains and exits 0. */
export async function serve(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.server.logLevel);
  if (Number(process.versions.node.split('.')[0]) < 22) {
    logger.info({ node: process.versions.node }, 'Node 20 is past its end of life; AWS SDK releases after January 2027 need Node 22 (the Docker image uses 22)');
  }
  const app = await startApp(config, { logger });
  let stopping = false;
  const stop = (signal: string) => {
    // A second SIGTERM or SIGINT: stop now.
    if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143);
    stopping = true;
    // Whatever hangs (a backend that does not answer, a blocked stdout), the process
    // ends once the grace period and the stores' own close timeouts are over.
    setTimeout(() => {
      logger.error({ graceMs: config.server.shutdownGraceMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.server.shutdownGraceMs + 10_000).unref();
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return 0;
}
