// Build: compile the server's TypeScript with swc (decorator metadata, which
// type-graphql needs and esbuild lacks) and bundle GraphiQL with esbuild, so the
// page is served from our own files (the machines that run lakegate may have no
// internet, and a CDN is one more thing that can be down).
// Usage: node src/build.mjs [--server-only | --graphiql-only [--graphiql-out=DIR]]
import { transformFile } from '@swc/core';
import { build as esbuild } from 'esbuild';
import { readFileSync, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
      if (entry.name === 'graphiql-app') {
        // Browser code, bundled below; its examples are plain data the server reads too
        // (their operation names label metrics).
        yield path.join(full, 'examples.ts');
        continue;
      }
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

// GraphiQL's stylesheet inlines its fonts and a few images as data: URLs, which a
// strict Content-Security-Policy (default-src 'self') refuses. Write them out as
// files instead; with unicode-range the browser then fetches only the subsets it
// needs.
function extractDataUrls() {
  const assets = new Map();
  return {
    name: 'extract-data-urls',
    setup(build) {
      build.onLoad({ filter: /\.css$/ }, async (args) => {
        const css = await readFile(args.path, 'utf8');
        if (!css.includes('url(data:')) return undefined;
        let family = 'asset';
        const contents = css.replace(/font-family:\s*([^;]+);|url\(data:([a-z]+)\/([a-z0-9+.-]+);base64,([A-Za-z0-9+/=]+)\)/g, (match, fontFamily, kind, subtype, data) => {
          if (fontFamily) { family = fontFamily.replace(/['"]/g, '').trim().toLowerCase().replace(/\s+/g, '-'); return match; }
          const ext = subtype.replace(/^svg\+xml$/, 'svg');
          const name = `${kind === 'font' ? family : 'image'}-${assets.size}.${ext}`;
          assets.set(name, Buffer.from(data, 'base64'));
          return `url(data-url-asset:${name})`;
        });
        return { contents, loader: 'css' };
      });
      build.onResolve({ filter: /^data-url-asset:/ }, (args) => ({ path: args.path.slice('data-url-asset:'.length), namespace: 'data-url-asset' }));
      build.onLoad({ filter: /.*/, namespace: 'data-url-asset' }, (args) => ({ contents: assets.get(args.path), loader: 'file' }));
    },
  };
}

// The toolkit imports graphql-ws lazily, for subscriptions over websockets, which
// lakegate does not serve; the package is not installed.
function noSubscriptionClient() {
  return {
    name: 'no-subscription-client',
    setup(build) {
      build.onResolve({ filter: /^graphql-ws$/ }, () => ({ path: 'graphql-ws', namespace: 'unavailable' }));
      build.onLoad({ filter: /.*/, namespace: 'unavailable' }, () => ({
        contents: 'export function createClient() { throw new Error("lakegate serves no GraphQL subscriptions"); }',
        loader: 'js',
      }));
    },
  };
}

async function buildGraphiql(target) {
  const started = Date.now();
  const appDir = path.join(root, 'src/server/graphiql-app');
  if (!existsSync(path.join(appDir, 'main.tsx'))) return;
  await rm(target, { recursive: true, force: true });
  // Content-hashed names (graphiql-<hash>.js, roboto-3-<hash>.woff2, ...): the
  // server caches them as immutable; index.html is rewritten to point at them.
  const result = await esbuild({
    entryPoints: [path.join(appDir, 'main.tsx')],
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'iife',
    target: ['es2020'],
    outdir: target,
    entryNames: 'graphiql-[hash]',
    assetNames: '[name]-[hash]',
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.svg': 'file', '.png': 'file' },
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [extractDataUrls(), noSubscriptionClient()],
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
  const js = outputs.find((name) => /^graphiql-[A-Z0-9]+\.js$/.test(name));
  const css = outputs.find((name) => /^graphiql-[A-Z0-9]+\.css$/.test(name));
  if (!js || !css) throw new Error(`build: GraphiQL bundle incomplete: ${outputs.join(', ')}`);
  const html = (await readFile(path.join(appDir, 'index.html'), 'utf8'))
    .replace('/graphiql/graphiql.js', `/graphiql/${js}`)
    .replace('/graphiql/graphiql.css', `/graphiql/${css}`);
  await writeFile(path.join(target, 'index.html'), html);
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  console.log(`build: GraphiQL bundled in ${Date.now() - started} ms (${outputs.length} files, ${(bytes / 1e6).toFixed(2)} MB)`);
}

// --graphiql-only [--graphiql-out=DIR]: just the bundle (tests build it into a temp
// dir, so they never touch dist/ while other suites run the server from it).
const graphiqlOut = process.argv.find((arg) => arg.startsWith('--graphiql-out='))?.slice('--graphiql-out='.length);
if (!process.argv.includes('--graphiql-only')) await buildServer();
if (!process.argv.includes('--server-only')) await buildGraphiql(path.resolve(graphiqlOut ?? path.join(out, 'graphiql')));
