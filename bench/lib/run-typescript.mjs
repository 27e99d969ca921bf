// Runs a TypeScript module of the repository that the build does not compile (it
// uses the test emulators): bundles it with esbuild into a temporary CommonJS file,
// packages left external and resolved from the repository, and calls its main(args).
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './common.mjs';

export async function runTypeScriptMain(entry, args) {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-ts-build-'));
  const outfile = path.join(outDir, `${path.basename(entry, '.ts')}.cjs`);
  try {
    await build({
      entryPoints: [path.join(ROOT, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
      // Resolve the external packages from the repository, not from the temp dir.
      nodePaths: [path.join(ROOT, 'node_modules')],
    });
    const require = createRequire(path.join(ROOT, 'package.json'));
    const Module = require('node:module');
    process.env.NODE_PATH = path.join(ROOT, 'node_modules');
    Module._initPaths();
    await require(outfile).main(args);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
