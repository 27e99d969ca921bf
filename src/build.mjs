// Build: compile the server's TypeScript with swc (decorator metadata, which
// type-graphql needs and esbuild lacks) and bundle GraphiQL with esbuild, so the
// page is served from our own files (the machines that run lakegate may have no
// internet, and a CDN is one more thing that can be down).
// Usage: node src/build.mjs [--if-stale] [--server-only | --graphiql-only [--graphiql-out=DIR]]
// --if-stale (npm start's prestart): skip the build when dist/ was built from
// exactly the sources there are now (see the stamp below).
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
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
  const { transformFile } = await import('@swc/core');
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
  const { build: esbuild } = await import('esbuild');
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
  // The page's icon, also served as /favicon.ico (src/server/graphiql.ts).
  await writeFile(path.join(target, 'favicon.svg'), await readFile(path.join(appDir, 'favicon.svg')));
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  console.log(`build: GraphiQL bundled in ${Date.now() - started} ms (${outputs.length} files, ${(bytes / 1e6).toFixed(2)} MB)`);
}

// The stamp of a complete build (server and GraphiQL into dist/): a fingerprint of
// every input's path, size and modification time (src/, schema/, resolvers/ with
// the GraphiQL app, .swcrc, package.json, package-lock.json) and the Node version.
// Any build removes it first and only a complete one writes it back, so an
// interrupted or partial build (--server-only) is never taken for a current one;
// an added, removed, edited or touched input changes the fingerprint.
const stampPath = path.join(out, '.build-stamp.json');
const requiredOutputs = [path.join(out, 'src/cli.js'), path.join(out, 'graphiql/index.html')];

async function* inputFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* inputFiles(full);
    else if (entry.isFile()) yield full;
  }
}

async function inputFingerprint() {
  const files = ['.swcrc', 'package.json', 'package-lock.json'].map((name) => path.join(root, name)).filter((file) => existsSync(file));
  for (const dir of serverDirs) for await (const file of inputFiles(path.join(root, dir))) files.push(file);
  const lines = await Promise.all(
    files.sort().map(async (file) => {
      const info = await stat(file);
      return `${path.relative(root, file)}\t${info.size}\t${info.mtimeMs}`;
    }),
  );
  return { fingerprint: createHash('sha256').update(`${process.version}\n${lines.join('\n')}`).digest('hex'), inputs: files.length };
}

async function isCurrent(fingerprint) {
  if (!requiredOutputs.every((file) => existsSync(file))) return false;
  try {
    return JSON.parse(await readFile(stampPath, 'utf8')).fingerprint === fingerprint;
  } catch {
    return false;
  }
}

// --graphiql-only [--graphiql-out=DIR]: just the bundle (tests build it into a temp
// dir, so they never touch dist/ while other suites run the server from it).
const graphiqlOut = process.argv.find((arg) => arg.startsWith('--graphiql-out='))?.slice('--graphiql-out='.length);
const serverOnly = process.argv.includes('--server-only');
const graphiqlOnly = process.argv.includes('--graphiql-only');
const complete = !serverOnly && !graphiqlOnly && graphiqlOut === undefined;
const before = complete ? await inputFingerprint() : undefined;
if (before && process.argv.includes('--if-stale') && (await isCurrent(before.fingerprint))) {
  console.log(`build: dist/ is current (${before.inputs} inputs unchanged since it was built); skipped`);
} else {
  if (!graphiqlOnly || graphiqlOut === undefined) await rm(stampPath, { force: true });
  if (!graphiqlOnly) await buildServer();
  if (!serverOnly) await buildGraphiql(path.resolve(graphiqlOut ?? path.join(out, 'graphiql')));
  // Stamped with the inputs as they were before the build: an edit made during it makes the next start rebuild.
  if (before) await writeFile(stampPath, `${JSON.stringify({ fingerprint: before.fingerprint, builtAt: new Date().toISOString(), inputs: before.inputs })}\n`);
}
