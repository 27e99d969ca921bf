import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

/**
 * What the Docker image's runtime stage holds must be enough to run: every module
 * the compiled server requires is a production dependency (the image prunes dev
 * dependencies), and every COPY source of the Dockerfile exists. (No Docker engine
 * runs on the test machines; the build itself is exercised where one does.)
 */
const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  engines: { node: string };
};

function* jsFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) yield* jsFiles(full);
    else if (full.endsWith('.js')) yield full;
  }
}

test('the compiled server requires production dependencies only', () => {
  const dist = path.join(root, 'dist');
  expect(existsSync(path.join(dist, 'src/cli.js'))).toBe(true);
  const builtins = new Set(builtinModules);
  const used = new Set<string>();
  for (const dir of ['src', 'schema', 'resolvers']) {
    for (const file of jsFiles(path.join(dist, dir))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/require\("([^"./][^"]*)"\)/g)) {
        const spec = m[1]!;
        if (spec.startsWith('node:') || builtins.has(spec)) continue;
        used.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
  }
  expect(used.size).toBeGreaterThan(10);
  const notProduction = [...used].filter((name) => !pkg.dependencies[name]);
  expect(notProduction).toEqual([]);
});

test('dependencies are pinned to exact versions', () => {
  const loose = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).filter(([, v]) => !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(v));
  expect(loose).toEqual([]);
});

test('the Dockerfile builds on Node 22, runs as non-root with a health check, and copies files that exist', () => {
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(/^FROM node:22[\w.-]* AS build$/m);
  expect(dockerfile).toMatch(/^FROM node:22[\w.-]* AS runtime$/m);
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/^HEALTHCHECK [^\n]*\\\n\s*CMD .*\/healthz/m);
  expect(dockerfile).toMatch(/^VOLUME \["\/data"\]$/m);
  for (const m of dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)) {
    for (const source of m[1]!.split(/\s+/)) expect(existsSync(path.join(root, source))).toBe(true);
  }
  expect(pkg.engines.node).toMatch(/>=22/);
});
