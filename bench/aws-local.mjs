// Local AWS endpoints (Athena, Redshift Data, Glue, DynamoDB) over a copy of an
// embedded data directory, for trying LAKEGATE_MODE=aws on one machine; prints
// the environment to export before `npm start`. See docs/AWS.md.
// The emulators live under test/ (the build does not compile them): this bundles
// test/emulators/start-local-aws.ts with esbuild into a temporary CommonJS file,
// packages left external, and calls its main().
// Usage: node bench/aws-local.mjs [--data-dir ./data] [--base-port 4510] [--write-env FILE] [--latency-ms 0]
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const outDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-aws-local-build-'));
const outfile = path.join(outDir, 'start-local-aws.cjs');
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
try {
  await build({
    entryPoints: [path.join(root, 'test/emulators/start-local-aws.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    nodePaths: [path.join(root, 'node_modules')],
  });
  const require = createRequire(path.join(root, 'package.json'));
  const Module = require('node:module');
  process.env.NODE_PATH = path.join(root, 'node_modules');
  Module._initPaths();
  await require(outfile).main(process.argv.slice(2));
} catch (error) {
  console.error(`aws-local: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
