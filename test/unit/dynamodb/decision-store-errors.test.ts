import { createDynamoClients, type DynamoClients } from '../../../src/adapters/dynamodb/client';
import { DynamoDecisionStore } from '../../../src/adapters/dynamodb/decision-store';
import { mapDynamoError } from '../../../src/adapters/dynamodb/errors';
import { migrateDynamo } from '../../../src/adapters/dynamodb/migrations';
import { DEFAULT_TABLE_NAMES } from '../../../src/adapters/dynamodb/table-names';
import { AppError, ErrorCode } from '../../../src/errors/app-error';
import { addQuerySink, newQueryScope, runInQueryScope } from '../../../src/observability/query-accounting';
import type { QueryStats } from '../../../src/ports/sql-engine';
import { makeDecision } from '../../contract/decision-store.contract';
import { startDynalite, type TestDynamoServer } from '../../helpers/dynamodb-servers';

let server: TestDynamoServer;
let clients: DynamoClients;
let store: DynamoDecisionStore;

beforeAll(async () => {
  server = await startDynalite();
  clients = createDynamoClients({ endpoint: server.endpoint });
  await migrateDynamo(clients, DEFAULT_TABLE_NAMES);
  store = new DynamoDecisionStore(clients, { table: DEFAULT_TABLE_NAMES.decisionsTable });
});
afterAll(async () => {
  clients?.destroy();
  await server?.stop();
});

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('DynamoDecisionStore accounting', () => {
  it('accounts every DynamoDB call in the request scope and in the sinks, with capacity units', async () => {
    const sunk: QueryStats[] = [];
    const remove = addQuerySink((s) => sunk.push(s));
    const scope = newQueryScope('req-1');
    const customerId = `acc-${Date.now()}`;
    try {
      await runInQueryScope(scope, async () => {
        await store.putIfAbsent(makeDecision({ customerId }));
        await store.byCustomer({ customerId, limit: 10 });
        await store.putMany(Array.from({ length: 30 }, () => makeDecision({ customerId })));
      });
    } finally {
      remove();
    }
    expect(scope.queries.map((q) => q.label)).toEqual(['decisions.put', 'decisions.byCustomer', 'decisions.putMany', 'decisions.putMany']);
    for (const q of scope.queries) {
      expect(q).toMatchObject({ backend: 'dynamodb', bytesScanned: 0, costUsd: 0 });
      expect(q.ms).toBeGreaterThan(0);
      expect(q.capacityUnits).toBeGreaterThan(0);
    }
    expect(scope.queries[1]!.rows).toBe(1);
    expect(scope.queries.slice(2).map((q) => q.rows).sort()).toEqual([25, 5].sort());
    expect(sunk.filter((s) => s.label.startsWith('decisions.'))).toHaveLength(4);
  });
});

describe('DynamoDecisionStore errors', () => {
  it('reports a missing table as BACKEND_UNAVAILABLE naming the table and the fix', async () => {
    const missing = new DynamoDecisionStore(clients, { table: 'no_such_table' });
    const error = await appError(missing.get('x'));
    expect(error.code).toBe(ErrorCode.BACKEND_UNAVAILABLE);
    expect(error.message).toContain('"no_such_table"');
    expect(error.message).toContain('lakegate migrate');
    expect(error.details).toMatchObject({ backend: 'dynamodb', table: 'no_such_table', operation: 'decisions.get' });
    expect((await appError(missing.ping())).code).toBe(ErrorCode.BACKEND_UNAVAILABLE);
  });

  it('reports an unreachable endpoint as retryable BACKEND_UNAVAILABLE', async () => {
    const gone = await startDynalite();
    await gone.stop();
    const offline = createDynamoClients({ endpoint: gone.endpoint, maxAttempts: 2 });
    try {
      const error = await appError(new DynamoDecisionStore(offline, { table: 'lakegate_decisions' }).ping());
      expect(error.code).toBe(ErrorCode.BACKEND_UNAVAILABLE);
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('cannot reach the DynamoDB endpoint');
    } finally {
      offline.destroy();
    }
  });

  it('stops with BACKEND_TIMEOUT when the request is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await appError(runInQueryScope(newQueryScope('req-2', controller.signal), () => store.get('x')));
    expect(error.code).toBe(ErrorCode.BACKEND_TIMEOUT);
  });

  it('rejects malformed time bounds as bad input before calling DynamoDB', async () => {
    const error = await appError(store.byCustomer({ customerId: 'c', from: 'yesterday', limit: 5 }));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(error.details).toMatchObject({ argument: 'from' });
    expect((await appError(store.countByCustomer({ customerId: 'c', from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }))).code).toBe(ErrorCode.BAD_USER_INPUT);
  });

  it('maps throttling after retries to retryable BACKEND_UNAVAILABLE and blames the caller only for its own input', () => {
    const throttled = mapDynamoError(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException', $fault: 'client' }), { table: 't1', label: 'decisions.get' });
    expect(throttled.code).toBe(ErrorCode.BACKEND_UNAVAILABLE);
    expect(throttled.retryable).toBe(true);
    expect(throttled.message).toContain('throttling');

    const validation = Object.assign(new Error('The provided starting key is invalid'), { name: 'ValidationException', $fault: 'client' });
    expect(mapDynamoError(validation, { table: 't1', label: 'decisions.byCustomer', userArgument: 'after' }).code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(mapDynamoError(validation, { table: 't1', label: 'decisions.byCustomer' }).code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
  });
});
