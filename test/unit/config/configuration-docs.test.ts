import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, ConfigError } from '../../../src/config/config';

/** docs/CONFIGURATION.md lists every variable the configuration reads. */
const root = path.resolve(__dirname, '../../..');

test('every environment variable read in src/config is documented', () => {
  const doc = readFileSync(path.join(root, 'docs/CONFIGURATION.md'), 'utf8');
  const dir = path.join(root, 'src/config');
  const names = new Set<string>();
  for (const file of readdirSync(dir)) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    // Keys of the zod shapes handed to readEnv, e.g. `    LAKEGATE_MAX_DEPTH: envInt(...)`.
    for (const m of text.matchAll(/^\s+((?:LAKEGATE|REDIS|AWS|OTEL)_[A-Z0-9_]+|NODE_ENV|PORT|HOST):/gm)) names.add(m[1]!);
  }
  expect(names.size).toBeGreaterThan(80);
  const missing = [...names].filter((name) => !doc.includes(`\`${name}\``));
  expect(missing).toEqual([]);
});

test('defaults load; every problem is reported at once, each naming its variable', () => {
  expect(loadConfig({}).server.port).toBe(4000);
  try {
    loadConfig({ PORT: 'x', LAKEGATE_MAX_DEPTH: '1', REDIS_URL: 'http://nope', LAKEGATE_MODE: 'cloud' });
    throw new Error('expected a ConfigError');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'LAKEGATE_MAX_DEPTH', 'REDIS_URL', 'LAKEGATE_MODE']) expect(problems).toMatch(new RegExp(`^${name}: `, 'm'));
  }
});
