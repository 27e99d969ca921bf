// Build: compile the server's TypeScript with swc (decorator metadata, which
// type-graphql needs and esbuild lacks) and bundle GraphiQL with esbuild, so the
// page is served from our own files (the machines that run lakegate may have no
// internet, and a CDN is one more thing that can be down).
// Usage: node src/build.mjs [--server-only]
import { transformFile } from '@swc/core';
import { build as esbuild } from 'esbuild';
import { readFileSync, existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist');
const serverDirs = ['src', 'schema', 'resolvers'];
const swcrc = JSON.parse(readFileSync(path.join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;

async function* tsFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'graphiql-app') continue; // browser code: bundled below
      yield* tsFiles(full);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      yield full;
    }
  }
}

async function buildServer() {
  const started = Date.now();
  await rm(path.join(out, 'src'), { recursive: true, force: true });
  await rm(path.join(out, 'schema'), { recursive: true, force: true });
  await rm(path.join(out, 'resolvers'), { recursive: true, force: true });
  let count = 0;
  const jobs = [];
  for (const dir of serverDirs) {
    for await (const file of tsFiles(path.join(root, dir))) {
      jobs.push((async () => {
        const rel = path.relative(root, file);
        const target = path.join(out, rel.replace(/\.ts$/, '.js'));
        const result = await transformFile(file, { ...swcrc, filename: file, sourceFileName: path.relative(path.dirname(target), file), swcrc: false });
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, `${result.code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
        if (result.map) await writeFile(`${target}.map`, result.map);
        count++;
      })());
    }
  }
  await Promise.all(jobs);
  console.log(`build: ${count} server modules compiled in ${Date.now() - started} ms`);
}

async function buildGraphiql() {
  const started = Date.now();
  const appDir = path.join(root, 'src/server/graphiql-app');
  const target = path.join(out, 'graphiql');
  if (!existsSync(path.join(appDir, 'main.tsx'))) return;
  await rm(target, { recursive: true, force: true });
  await esbuild({
    entryPoints: [path.join(appDir, 'main.tsx')],
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'iife',
    target: ['es2020'],
    outdir: target,
    entryNames: 'graphiql',
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.svg': 'file' },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  await copyFile(path.join(appDir, 'index.html'), path.join(target, 'index.html'));
  console.log(`build: GraphiQL bundled in ${Date.now() - started} ms`);
}

await buildServer();
if (!process.argv.includes('--server-only')) await buildGraphiql();
