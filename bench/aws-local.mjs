// Local AWS endpoints (Athena, Redshift Data, Glue, DynamoDB, S3) over a copy of an
// embedded data directory, for trying LAKEGATE_MODE=aws on one machine; prints
// the environment to export before `npm start`. See docs/AWS.md.
// The emulators live under test/ (the build does not compile them): this runs
// test/emulators/start-local-aws.ts through bench/lib/run-typescript.mjs.
// Usage: node bench/aws-local.mjs [--data-dir ./data] [--base-port 4510] [--write-env FILE] [--latency-ms 0]
import { runTypeScriptMain } from './lib/run-typescript.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
try {
  await runTypeScriptMain('test/emulators/start-local-aws.ts', process.argv.slice(2));
} catch (error) {
  console.error(`aws-local: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
}
