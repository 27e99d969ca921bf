import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { ConfigError, loadConfig } from '../../src/config/config';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { cleanupTestData, startTestApp, TEST_KEYS, type GraphQLResult, type TestApp } from '../helpers/test-app';
import { OPERATIONS, WEEKLY_DATASET } from './contract-operations';

/**
 * Persisted queries over HTTP (src/server/persisted-queries.ts): Automatic
 * Persisted Queries kept in the shared cache (the in-process LRU, or Redis shared by
 * every process), and the trusted-documents allow-list (LAKEGATE_TRUSTED_DOCUMENTS)
 * under which only the manifest's operations run.
 */
jest.setTimeout(120_000);

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const STATS = OPERATIONS.eventStats;
const VARIABLES = { input: WEEKLY_DATASET };
const persisted = (query: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256(query) } });

const tempDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-pq-'));
afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
  cleanupTestData();
});

async function post(t: TestApp, body: Record<string, unknown>, key: string = TEST_KEYS.reader): Promise<GraphQLResult> {
  const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResult['body'] };
}

async function get(t: TestApp, params: Record<string, unknown>): Promise<GraphQLResult> {
  const search = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  const response = await fetch(`${t.url}?${search}`, { headers: { authorization: `Bearer ${TEST_KEYS.reader}`, 'apollo-require-preflight': 'true' } });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResult['body'] };
}

const code = (r: GraphQLResult) => r.body.errors?.[0]?.extensions?.code;

describe('APQ in the in-process cache', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  test('hash only before registration: PERSISTED_QUERY_NOT_FOUND; with the document: registered and answered; then the hash alone is enough', async () => {
    const unknown = await post(t, { variables: VARIABLES, extensions: persisted(STATS) });
    expect(code(unknown)).toBe('PERSISTED_QUERY_NOT_FOUND');

    const registered = await post(t, { query: STATS, variables: VARIABLES, extensions: persisted(STATS) });
    expect(registered.body.errors).toBeUndefined();
    expect(registered.body.data!.eventStats.length).toBeGreaterThan(0);

    const byHash = await post(t, { variables: VARIABLES, extensions: persisted(STATS) });
    expect(byHash.body.errors).toBeUndefined();
    expect(byHash.body.data).toEqual(registered.body.data);
    // GET with the hash only (cacheable URLs) works too.
    const viaGet = await get(t, { variables: VARIABLES, extensions: persisted(STATS) });
    expect(viaGet.status).toBe(200);
    expect(viaGet.body.data).toEqual(registered.body.data);
  });

  test('a hash that is not the document’s is refused (400) and registers nothing', async () => {
    const query = 'query WrongHash { __typename }';
    const wrong = await post(t, { query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256('something else') } } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors![0]!.message).toMatch(/provided sha does not match query/);
    expect(code(wrong)).toBe('BAD_REQUEST');
    expect(code(await post(t, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256('something else') } } }))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  test('a document that does not validate is not registered', async () => {
    const query = '{ noSuchField }';
    expect(code(await post(t, { query, extensions: persisted(query) }))).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(code(await post(t, { extensions: persisted(query) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('APQ in Redis, shared by two processes', () => {
  const PREFIX = 'pq-test:';
  let redis: RedisServer;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    redis = await startRedisServer();
    const env = { REDIS_URL: redis.url, LAKEGATE_CACHE_PREFIX: PREFIX, LAKEGATE_CACHE_COMMAND_TIMEOUT_MS: '250', LAKEGATE_APQ_TTL_SECONDS: '600' };
    a = await startTestApp({ env });
    b = await startTestApp({ env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  test('registered on one process, served by hash on the other; kept in Redis with the configured TTL', async () => {
    const query = 'query SharedPing { __typename }';
    expect(code(await post(b, { extensions: persisted(query) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await post(a, { query, extensions: persisted(query) });
    expect(registered.body.data).toEqual({ __typename: 'Query' });

    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    try {
      // Registration is not awaited by the answer: wait for the entry.
      let keys: string[] = [];
      for (let i = 0; i < 50 && keys.length === 0; i++) {
        keys = await client.keys(`${PREFIX}*${sha256(query)}*`);
        if (keys.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(keys).toHaveLength(1);
      expect(await client.get(keys[0]!)).toBe(query);
      const ttl = await client.pttl(keys[0]!);
      expect(ttl).toBeGreaterThan(590_000);
      expect(ttl).toBeLessThanOrEqual(600_000);
    } finally {
      client.disconnect();
    }
    const byHash = await post(b, { extensions: persisted(query) });
    expect(byHash.body.errors).toBeUndefined();
    expect(byHash.body.data).toEqual({ __typename: 'Query' });
  });

  test('Redis down: a hash-only request misses, the full document is still served (fail-open)', async () => {
    await redis.kill();
    const query = 'query WhileDown { __typename }';
    expect(code(await post(a, { extensions: persisted(query) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    const full = await post(a, { query, extensions: persisted(query) });
    expect(full.body.data).toEqual({ __typename: 'Query' });
    await redis.start();
  });
});

describe('trusted documents (LAKEGATE_TRUSTED_DOCUMENTS)', () => {
  const PING = 'query TrustedPing { __typename }';
  let t: TestApp;
  beforeAll(async () => {
    // Apollo's persisted query manifest (generate-persisted-query-manifest).
    const manifest = path.join(tempDir, 'apollo-manifest.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [
          { id: sha256(STATS), name: 'Stats', type: 'query', body: STATS },
          { id: sha256(PING), name: 'TrustedPing', type: 'query', body: PING },
        ],
      }),
    );
    t = await startTestApp({ env: { LAKEGATE_TRUSTED_DOCUMENTS: manifest } });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a listed operation runs by its hash alone (POST and GET), and by its full text with or without the hash', async () => {
    const byHash = await post(t, { variables: VARIABLES, extensions: persisted(STATS) });
    expect(byHash.body.errors).toBeUndefined();
    expect(byHash.body.data!.eventStats.length).toBeGreaterThan(0);
    expect((await get(t, { variables: VARIABLES, extensions: persisted(STATS) })).body.data).toEqual(byHash.body.data);
    expect((await post(t, { query: STATS, variables: VARIABLES })).body.data).toEqual(byHash.body.data);
    expect((await post(t, { query: STATS, variables: VARIABLES, extensions: persisted(STATS) })).body.data).toEqual(byHash.body.data);
    expect((await post(t, { query: PING })).body.data).toEqual({ __typename: 'Query' });
  });

  test('anything else is refused with PERSISTED_QUERY_NOT_IN_LIST (HTTP 400) before it runs, and cannot be registered', async () => {
    const other = 'query NotListed { __typename }';
    const cases: Array<Record<string, unknown>> = [
      { query: other },
      { query: other, extensions: persisted(other) },
      { extensions: persisted(other) },
      // The same operation, formatted differently: another document.
      { query: PING.replace(' {', '  {') },
      { query: '{ __schema { types { name } } }' },
      // Not even parsed: a document that does not parse is refused the same way.
      { query: '{ broken' },
    ];
    for (const body of cases) {
      const r = await post(t, body);
      expect(r.body.data ?? null).toBeNull();
      expect(r.status).toBe(400);
      expect(code(r)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
      expect(r.body.errors![0]!.message).toMatch(/LAKEGATE_TRUSTED_DOCUMENTS/);
    }
    // A listed hash sent with another document: refused (Apollo checks the hash against the document).
    const mismatch = await post(t, { query: other, extensions: persisted(PING) });
    expect([mismatch.status, code(mismatch)]).toEqual([400, 'BAD_REQUEST']);
    // The registration attempt above stored nothing.
    expect(code(await post(t, { extensions: persisted(other) }))).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(code(await get(t, { query: other }))).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });
});

describe('a bad manifest stops the server at boot, naming the problem', () => {
  const write = (name: string, content: string) => {
    const file = path.join(tempDir, name);
    writeFileSync(file, content);
    return file;
  };
  const problems = (file: string): string => {
    try {
      loadConfig({ LAKEGATE_TRUSTED_DOCUMENTS: file });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems.join('\n');
    }
    throw new Error('expected a ConfigError');
  };

  test('GraphQL Codegen’s persisted-documents.json is accepted', () => {
    const doc = 'query A { __typename }';
    const file = write('codegen.json', JSON.stringify({ [sha256(doc)]: doc }));
    expect([...loadConfig({ LAKEGATE_TRUSTED_DOCUMENTS: file }).persistedQueries.trusted!.documents]).toEqual([[sha256(doc), doc]]);
  });

  test('missing file, not JSON, a wrong hash, a document that does not parse, an empty manifest, a bad Apollo manifest', async () => {
    expect(problems(path.join(tempDir, 'nope.json'))).toMatch(/^LAKEGATE_TRUSTED_DOCUMENTS: cannot read .*nope\.json \(ENOENT\)/);
    expect(problems(write('bad.json', '{ nope'))).toMatch(/is not valid JSON/);
    const doc = 'query B { __typename }';
    expect(problems(write('wrong.json', JSON.stringify({ [sha256('other')]: doc })))).toMatch(new RegExp(`id is not the sha256 of its document \\(that is ${sha256(doc)}\\)`));
    expect(problems(write('short.json', JSON.stringify({ abc: doc })))).toMatch(/id "abc" is not a sha256/);
    expect(problems(write('unparsable.json', JSON.stringify({ [sha256('{ x')]: '{ x' })))).toMatch(/does not parse \(Syntax Error/);
    expect(problems(write('empty.json', '{}'))).toMatch(/lists no operation/);
    expect(problems(write('apollo-v2.json', JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 2, operations: [] })))).toMatch(/unsupported apollo-persisted-query-manifest version 2/);
    expect(problems(write('array.json', '[]'))).toMatch(/expected \{ "<sha256>": "<document>" \}/);
    // The server does not start with it.
    await expect(startTestApp({ env: { LAKEGATE_TRUSTED_DOCUMENTS: path.join(tempDir, 'wrong.json') } })).rejects.toThrow(ConfigError);
  });
});
