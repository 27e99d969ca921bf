#!/usr/bin/env node
import 'reflect-metadata';
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

// Each running DuckDB statement holds a libuv thread; leave room for file I/O.
process.env.UV_THREADPOOL_SIZE ??= '8';
// Node 20 still runs the AWS SDK; say it once in our own log format (README: Node 22 for the image).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `lakegate <command> [options]

Commands:
  serve                 Serve GraphQL (seeds demo data on the first embedded start)
  migrate [--target embedded|aws] [--status]
                        Apply missing migrations (idempotent); --status lists applied/pending
  seed [--events N] [--days D] [--customers C] [--decisions K] [--end-day YYYY-MM-DD]
       [--random-seed S] [--buckets B]
                        Regenerate the embedded demo data (up to 50,000,000 events)
  worker [--exit-when-idle]
                        Run the GDPR erasure executor and the load scheduler on their own (until
                        SIGTERM, or until no deletion request is open); embedded mode: only while
                        the server is stopped
  load [--day YYYY-MM-DD ...] [--since YYYY-MM-DD]
                        One load pass (landing -> lake -> warehouse): days with new landing
                        files in the late-data window, or these days; embedded mode: only while
                        the server is stopped (it loads on its own schedule)
  emit-schema [--check] Write schema/schema.graphql from the code (--check: fail if it differs)
  help                  This text

Configuration comes from the environment; see README.md.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return (await import('./commands/serve')).serve();
    case 'migrate': {
      const { values } = parseArgs({ args: rest, options: { target: { type: 'string', default: 'embedded' }, status: { type: 'boolean', default: false } } });
      if (values.target !== 'embedded' && values.target !== 'aws') return usageError(`--target must be embedded or aws, got ${values.target}`);
      return (await import('./commands/migrate')).migrate(values.target, values.status);
    }
    case 'seed': {
      const { values } = parseArgs({
        args: rest,
        options: {
          events: { type: 'string' },
          days: { type: 'string' },
          customers: { type: 'string' },
          decisions: { type: 'string' },
          'end-day': { type: 'string' },
          'random-seed': { type: 'string' },
          buckets: { type: 'string' },
        },
      });
      return (await import('./commands/seed')).seed(values);
    }
    case 'worker': {
      const { values } = parseArgs({ args: rest, options: { 'exit-when-idle': { type: 'boolean', default: false } } });
      return (await import('./commands/worker')).worker({ exitWhenIdle: values['exit-when-idle'] });
    }
    case 'load': {
      const { values } = parseArgs({ args: rest, options: { day: { type: 'string', multiple: true, default: [] }, since: { type: 'string' } } });
      return (await import('./commands/load')).load({ days: values.day, since: values.since });
    }
    case 'emit-schema': {
      const { values } = parseArgs({ args: rest, options: { check: { type: 'boolean', default: false } } });
      const { printLakegateSchema } = await import('./server/schema');
      const { PACKAGE_ROOT } = await import('./main');
      const file = path.join(PACKAGE_ROOT, 'schema/schema.graphql');
      const sdl = printLakegateSchema();
      if (values.check) {
        const committed = readFileSync(file, 'utf8');
        if (committed !== sdl) {
          console.error('schema/schema.graphql differs from the schema the code emits; run npm run emit-schema');
          return 1;
        }
        console.log('schema/schema.graphql is up to date');
        return 0;
      }
      writeFileSync(file, sdl);
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      return usageError(`unknown command ${JSON.stringify(command)}`);
  }
}

function usageError(message: string): number {
  console.error(`lakegate: ${message}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.argv[2] !== 'serve') process.exit(code);
  },
  (error: unknown) => {
    const { ConfigError } = require('./config/env') as typeof import('./config/env');
    if (error instanceof ConfigError) {
      console.error(`lakegate: ${error.message}`);
      process.exit(2);
    }
    const { isAppError } = require('./errors/app-error') as typeof import('./errors/app-error');
    if (isAppError(error)) {
      console.error(`lakegate: ${error.message}`);
      process.exit(1);
    }
    console.error('lakegate: failed:', error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
