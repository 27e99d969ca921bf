import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { cleanupTestData, dataDirCopy, TEST_KEYS, TEST_SEED, testEnv, type GraphQLResult } from '../helpers/test-app';

/**
 * OpenTelemetry traces end to end: the real app exports over OTLP/HTTP (JSON) to a
 * receiver in this test, which decodes the export requests and rebuilds the span
 * trees: an eventStats LAKE query under a caller's traceparent (operation ->
 * resolver -> backend query), and an erasure pass (pass -> store steps -> backend
 * queries -> DynamoDB calls of the embedded decision store).
 *
 * The server runs as the compiled CLI (dist/, built by jest's globalSetup) in its
 * own process: the OTLP exporter loads node:http with a dynamic import, which
 * jest's module sandbox refuses without --experimental-vm-modules.
 */
jest.setTimeout(180_000);

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status?: { code?: number; message?: string };
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  service: string | undefined;
}

function valueOf(v: OtlpValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(valueOf);
  return undefined;
}
function attributesOf(list: Array<{ key: string; value: OtlpValue }> | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));
}

/** A minimal OTLP/HTTP receiver: POST /v1/traces with ExportTraceServiceRequest as JSON. */
function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; requests: Array<{ path: string; contentType: string | undefined }>; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const requests: Array<{ path: string; contentType: string | undefined }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const rs of body.resourceSpans ?? []) {
        const service = attributesOf(rs.resource?.attributes)['service.name'] as string | undefined;
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId || undefined,
              name: s.name,
              kind: s.kind,
              attributes: attributesOf(s.attributes),
              status: s.status,
              events: (s.events ?? []).map((e: { name: string; attributes?: Array<{ key: string; value: OtlpValue }> }) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
              service,
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, spans, requests, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

async function waitFor<T>(what: string, find: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The tree under `root` as nested names, children sorted (for a readable diff on failure). */
function tree(spans: ReceivedSpan[], root: ReceivedSpan): { name: string; children: unknown[] } {
  const children = spans.filter((s) => s.parentSpanId === root.spanId && s.traceId === root.traceId);
  return { name: root.name, children: children.map((c) => tree(spans, c)).sort((a, b) => a.name.localeCompare(b.name)) };
}
function descendants(spans: ReceivedSpan[], root: ReceivedSpan): ReceivedSpan[] {
  const direct = spans.filter((s) => s.parentSpanId === root.spanId && s.traceId === root.traceId);
  return [...direct, ...direct.flatMap((c) => descendants(spans, c))];
}

const CLI = path.resolve(__dirname, '../../dist/src/cli.js');
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let server: ChildProcess | undefined;
let url = '';
let output = '';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function gql(query: string, variables?: Record<string, unknown>, options: { key?: string; headers?: Record<string, string> } = {}): Promise<GraphQLResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(options.headers ?? {}) };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResult['body'] };
}
const t = { gql };

beforeAll(async () => {
  receiver = await startReceiver();
  const dataDir = await dataDirCopy();
  const port = await freePort();
  server = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...testEnv(dataDir, {
        PORT: String(port),
        LAKEGATE_LOG_LEVEL: 'info',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'lakegate-test',
        // The SDK's batch processor: export within 100 ms.
        OTEL_BSP_SCHEDULE_DELAY: '100',
        LAKEGATE_GDPR_POLL_INTERVAL_MS: '200',
      }),
    } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (d) => (output += d));
  server.stderr!.on('data', (d) => (output += d));
  await waitFor('the server to be ready', () => output.includes('lakegate is ready') || server!.exitCode !== null, 60_000);
  if (server.exitCode !== null) throw new Error(`serve exited with ${server.exitCode}:\n${output}`);
  url = `http://127.0.0.1:${port}/graphql`;
});
afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await receiver?.close();
  cleanupTestData();
});

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

test('an eventStats LAKE query: operation -> resolver -> backend query, under the caller traceparent', async () => {
  expect(output).toContain('tracing: exporting spans over OTLP/HTTP (JSON)');
  const query = `query LakeWeekly($from: Date!, $to: Date!) { eventStats(input: { from: $from, to: $to, interval: WEEK, groupBy: [EVENT_TYPE], source: LAKE }) { periodStart eventType totalEvents } }`;
  const r = await t.gql(query, { from: '2026-01-05', to: TEST_SEED.endDay }, { key: TEST_KEYS.reader, headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01`, 'x-request-id': 'traced-1' } });
  expect(r.body.errors).toBeUndefined();
  expect(r.body.data.eventStats.length).toBeGreaterThan(0);
  const costQueries: Array<{ engine: string; label: string; rows: number; bytesScanned: number; costUsd: number; partitions?: number }> = r.body.extensions!.cost.queries;
  const lakeQuery = costQueries.find((q) => q.label === 'eventStats.lake')!;
  expect(lakeQuery).toBeDefined();

  const operation = await waitFor('the operation span', () => receiver.spans.find((s) => s.traceId === TRACE_ID && s.name === 'query LakeWeekly'));
  // The caller's span is its parent: the trace continues across services.
  expect(operation.parentSpanId).toBe(CALLER_SPAN);
  expect(operation.kind).toBe(2); // SERVER
  expect(operation.service).toBe('lakegate-test');
  expect(operation.attributes).toMatchObject({ 'graphql.operation.type': 'query', 'graphql.operation.name': 'LakeWeekly', 'lakegate.request_id': 'traced-1', 'lakegate.principal': 'reader', 'http.response.status_code': 200, 'lakegate.backend_queries': costQueries.length });

  const backend = await waitFor('the backend query span', () => receiver.spans.find((s) => s.traceId === TRACE_ID && s.name === 'duckdb eventStats.lake'));
  const resolver = receiver.spans.find((s) => s.spanId === backend.parentSpanId)!;
  expect(resolver.name).toBe('Query.eventStats');
  expect(resolver.parentSpanId).toBe(operation.spanId);
  expect(resolver.attributes).toMatchObject({ 'graphql.field.path': 'eventStats', 'lakegate.cache.status': 'miss' });
  expect(resolver.events).toContainEqual({ name: 'cache', attributes: { 'lakegate.cache.label': 'eventStats.lake', 'lakegate.cache.status': 'miss' } });
  // The backend span carries what extensions.cost reports for the query.
  expect(backend.kind).toBe(3); // CLIENT
  expect(backend.attributes).toMatchObject({
    'lakegate.engine': 'duckdb',
    'db.system.name': 'duckdb',
    'lakegate.query.label': 'eventStats.lake',
    'lakegate.rows': lakeQuery.rows,
    'lakegate.bytes_scanned': lakeQuery.bytesScanned,
    'lakegate.cost_usd': lakeQuery.costUsd,
    'lakegate.partitions': lakeQuery.partitions,
  });
  // One backend span per query of extensions.cost (the lake's footer reads for planning, then the scan), all under the resolver.
  const backendNames = costQueries.map((q) => ({ name: `${q.engine} ${q.label}`, children: [] })).sort((a, b) => a.name.localeCompare(b.name));
  expect(tree(receiver.spans, operation)).toEqual({ name: 'query LakeWeekly', children: [{ name: 'Query.eventStats', children: backendNames }] });
  const count = 1 + descendants(receiver.spans, operation).length;
  console.log(`eventStats LAKE trace: ${count} spans (${costQueries.map((q) => q.label).join(', ')})`);
  expect(count).toBe(2 + costQueries.length);
  expect(receiver.requests.every((req) => req.path === '/v1/traces' && req.contentType === 'application/json')).toBe(true);

  // The same query again is a cache hit: the resolver span says so and has no backend child.
  const again = await t.gql(query, { from: '2026-01-05', to: TEST_SEED.endDay }, { key: TEST_KEYS.reader, headers: { 'x-request-id': 'traced-2' } });
  expect(again.body.errors).toBeUndefined();
  const second = await waitFor('the second operation span', () => receiver.spans.find((s) => s.attributes['lakegate.request_id'] === 'traced-2' && s.kind === 2));
  expect(second.traceId).not.toBe(TRACE_ID);
  const secondTree = tree(receiver.spans, second);
  // Either answered whole from the response cache (no resolver ran) or by a cached read.
  if (second.attributes['lakegate.cache.response'] !== 'hit') {
    expect(secondTree.children).toEqual([{ name: 'Query.eventStats', children: [] }]);
    expect(receiver.spans.find((s) => s.parentSpanId === second.spanId)!.attributes['lakegate.cache.status']).toBe('hit');
  }
});

test('a request refused at context creation (unknown key) has a failed span', async () => {
  const r = await t.gql(`query Refused { __typename }`, undefined, { key: 'not-a-key-at-all-000000000', headers: { 'x-request-id': 'traced-401' } });
  expect(r.status).toBe(401);
  const span = await waitFor('the refused request span', () => receiver.spans.find((s) => s.attributes['lakegate.request_id'] === 'traced-401'));
  expect(span.status?.code).toBe(2); // ERROR
  expect(span.attributes).toMatchObject({ 'http.response.status_code': 401, 'lakegate.error_codes': ['UNAUTHENTICATED'] });
});

test('an erasure pass: a span per pass, per store step and the verification, with the backend queries under them', async () => {
  const subject = 'cus_000017';
  const requested = await t.gql(`mutation Erase($input: DeletionRequestInput!) { requestDeletion(input: $input) { id } }`, { input: { customerId: subject, reason: 'tracing test, ticket #1', idempotencyKey: 'trace-erase-1' } }, { key: TEST_KEYS.gdpr });
  expect(requested.body.errors).toBeUndefined();
  const id = requested.body.data.requestDeletion.id;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { body } = await t.gql(`query($id: ID!) { deletionRequest(id: $id) { status } }`, { id }, { key: TEST_KEYS.gdpr });
    if (body.data.deletionRequest.status === 'COMPLETED') break;
    if (Date.now() > deadline) throw new Error(`erasure did not complete: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const pass = await waitFor('the erasure pass span', () => receiver.spans.find((s) => s.name === 'gdpr.erasure_pass' && s.attributes['lakegate.gdpr.completed'] === 1));
  expect(pass.parentSpanId).toBeUndefined();
  // Every span of the pass is exported once the pass span is (children end first).
  const steps = receiver.spans.filter((s) => s.parentSpanId === pass.spanId);
  expect(steps.map((s) => s.name).sort()).toEqual(['gdpr.step cache', 'gdpr.step decisions', 'gdpr.step lake', 'gdpr.step landing', 'gdpr.step warehouse', 'gdpr.verify']);
  const step = (name: string) => steps.find((s) => s.name === `gdpr.step ${name}`)!;
  expect(step('decisions').attributes).toMatchObject({ 'lakegate.gdpr.store': 'decisions', 'lakegate.gdpr.requests': 1, 'lakegate.gdpr.resuming': false });
  // The decisions step reads and deletes through the DynamoDB adapter: backend spans, each with its AWS SDK call.
  const decisionQueries = descendants(receiver.spans, step('decisions')).filter((s) => s.attributes['lakegate.engine'] === 'dynamodb');
  expect(decisionQueries.map((q) => q.attributes['lakegate.query.label'])).toEqual(expect.arrayContaining(['decisions.countByCustomer', 'decisions.deleteByCustomer', 'deletions.updateTarget']));
  // Every DynamoDB query of the pass (the decision store's and the ledger's) has its one AWS SDK call below it.
  for (const q of descendants(receiver.spans, pass).filter((s) => s.attributes['lakegate.engine'] === 'dynamodb')) {
    const calls = receiver.spans.filter((s) => s.parentSpanId === q.spanId);
    expect(calls.map((c) => c.name)).toEqual([expect.stringMatching(/^DynamoDB\.\w+$/)]);
    expect(calls[0]!.attributes).toMatchObject({ 'rpc.system': 'aws-api', 'rpc.service': 'DynamoDB', 'http.response.status_code': 200 });
  }
  // The lake and warehouse steps run DuckDB statements.
  expect(descendants(receiver.spans, step('lake')).some((s) => s.attributes['lakegate.engine'] === 'duckdb')).toBe(true);
  expect(descendants(receiver.spans, step('warehouse')).some((s) => s.attributes['lakegate.engine'] === 'duckdb')).toBe(true);
  const all = [pass, ...descendants(receiver.spans, pass)];
  // No span carries the raw subject id.
  expect(JSON.stringify(all)).not.toContain(subject);
  const perStep = Object.fromEntries(steps.map((s) => [s.name, 1 + descendants(receiver.spans, s).length]));
  console.log(`erasure pass trace: ${all.length} spans; per step: ${JSON.stringify(perStep)}`);
});
