import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startAwsEndpoints } from '../helpers/aws-endpoints';

/**
 * Local AWS endpoints for trying LAKEGATE_MODE=aws on one machine: Athena, Redshift
 * Data, Glue, DynamoDB and S3 emulators over a copy of an embedded data directory
 * (the demo data `npm start` generates). Prints the environment to export; then
 * `npm start` in another shell serves the same API from "AWS".
 *
 * Run with `node bench/aws-local.mjs [--data-dir ./data] [--base-port 4510]
 * [--write-env aws-local.env] [--latency-ms 0]` (docs/AWS.md).
 */
const USAGE = `node bench/aws-local.mjs [--data-dir DIR] [--base-port N] [--write-env FILE] [--latency-ms MS]

  --data-dir    seeded embedded data directory to serve (default: $LAKEGATE_DATA_DIR or ./data)
  --base-port   Athena on N, Redshift Data on N+1, Glue on N+2, DynamoDB on N+3, S3 on N+4 (default 4510)
  --write-env   also write the environment to FILE (load it with: set -a; . FILE; set +a)
  --latency-ms  least time every Athena and Redshift query takes (default 0)`;

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      'base-port': { type: 'string', default: '4510' },
      'write-env': { type: 'string' },
      'latency-ms': { type: 'string', default: '0' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const dataDir = path.resolve(values['data-dir'] ?? process.env.LAKEGATE_DATA_DIR ?? './data');
  const basePort = Number(values['base-port']);
  const latencyMs = Number(values['latency-ms']);
  if (!Number.isInteger(basePort) || basePort < 1 || basePort > 65_531) throw new Error(`--base-port must be a port number, got ${values['base-port']}`);
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new Error(`--latency-ms must be a number of milliseconds, got ${values['latency-ms']}`);
  if (!existsSync(path.join(dataDir, 'warehouse.duckdb')) || !existsSync(path.join(dataDir, 'events'))) {
    throw new Error(`${dataDir} holds no demo data yet: run \`npm start\` once (embedded mode seeds it) or \`npm run seed\`, or pass --data-dir`);
  }

  console.error(`starting local AWS endpoints over a copy of ${dataDir} ...`);
  const endpoints = await startAwsEndpoints({
    dataDir,
    athena: { latencyMs },
    redshift: { latencyMs },
    ports: { athena: basePort, redshift: basePort + 1, glue: basePort + 2, dynamodb: basePort + 3, s3: basePort + 4 },
  });
  const lines = Object.entries(endpoints.env).map(([key, value]) => `export ${key}=${shellQuote(value)}`);
  if (values['write-env']) writeFileSync(values['write-env'], `${lines.join('\n')}\n`);
  console.log(
    [
      '# Local AWS endpoints are up:',
      `#   Athena        ${endpoints.athena.endpoint}`,
      `#   Redshift Data ${endpoints.redshift.endpoint}`,
      `#   Glue          ${endpoints.glue.url}`,
      `#   DynamoDB      ${endpoints.dynamo.endpoint}`,
      `#   S3            ${endpoints.s3.endpoint}`,
      '# In another shell, export these and run `npm start` (LAKEGATE_MODE=aws):',
      ...lines,
      '# Ctrl-C stops the endpoints (their copy of the data is removed).',
    ].join('\n'),
  );

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.error('stopping ...');
  await endpoints.close();
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
