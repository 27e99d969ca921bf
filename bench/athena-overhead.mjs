// Runs bench/athena-overhead.ts (it uses the test emulators, which the build does
// not compile): bundles it with esbuild into a temporary CommonJS file, packages
// left external, and calls its main().
// Usage: node bench/athena-overhead.mjs [--queries 30] [--latency 300] [--rows 100000] [--json]
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-bench-build-'));
const outfile = path.join(outDir, 'athena-overhead.cjs');
try {
  await build({
    entryPoints: [path.join(here, 'athena-overhead.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    // Resolve the external packages from the repository, not from the temp dir.
    nodePaths: [path.join(here, '..', 'node_modules')],
  });
  const require = createRequire(path.join(here, '..', 'package.json'));
  const Module = require('node:module');
  process.env.NODE_PATH = path.join(here, '..', 'node_modules');
  Module._initPaths();
  await require(outfile).main(process.argv.slice(2));
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
