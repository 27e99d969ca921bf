import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDynamoClients } from '../../../src/adapters/dynamodb/client';
import { DynamoDecisionStore } from '../../../src/adapters/dynamodb/decision-store';
import { startEmbeddedDynamo } from '../../../src/adapters/dynamodb/embedded-server';
import { migrateDynamo } from '../../../src/adapters/dynamodb/migrations';
import { DEFAULT_TABLE_NAMES } from '../../../src/adapters/dynamodb/table-names';
import { AppError, ErrorCode } from '../../../src/errors/app-error';
import { makeDecision } from '../../contract/decision-store.contract';

let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-embedded-dynamo-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('startEmbeddedDynamo', () => {
  it('listens on 127.0.0.1 and keeps decisions under <dataDir>/dynamodb across restarts', async () => {
    const decision = makeDecision();
    const first = await startEmbeddedDynamo({ dataDir });
    expect(first.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.path).toBe(path.join(dataDir, 'dynamodb'));
    let clients = createDynamoClients({ endpoint: first.endpoint });
    await migrateDynamo(clients, DEFAULT_TABLE_NAMES);
    await new DynamoDecisionStore(clients, { table: DEFAULT_TABLE_NAMES.decisionsTable }).putIfAbsent(decision);
    await first.close(); // the client still holds a keep-alive socket: close must not wait for it
    clients.destroy();
    expect(existsSync(path.join(dataDir, 'dynamodb'))).toBe(true);

    const second = await startEmbeddedDynamo({ dataDir });
    clients = createDynamoClients({ endpoint: second.endpoint });
    try {
      expect((await migrateDynamo(clients, DEFAULT_TABLE_NAMES)).applied).toEqual([]);
      expect(await new DynamoDecisionStore(clients, { table: DEFAULT_TABLE_NAMES.decisionsTable }).get(decision.id)).toEqual(decision);
    } finally {
      clients.destroy();
      await second.close();
    }
  });

  it('refuses a data directory another server holds, with a message that says what to do', async () => {
    const first = await startEmbeddedDynamo({ dataDir });
    try {
      const error = await startEmbeddedDynamo({ dataDir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe(ErrorCode.BACKEND_UNAVAILABLE);
      expect((error as AppError).message).toContain('in use by another lakegate process');
    } finally {
      await first.close();
    }
    // Released on close: a new server may open it.
    const again = await startEmbeddedDynamo({ dataDir });
    await again.close();
  });

  it('takes over a lock left by a process that is gone', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(path.join(dataDir, 'dynamodb.lock'), dead.stdout);
    const server = await startEmbeddedDynamo({ dataDir });
    await server.close();
    expect(existsSync(path.join(dataDir, 'dynamodb.lock'))).toBe(false);
  });

  it('runs in memory without a data directory', async () => {
    const a = await startEmbeddedDynamo();
    const b = await startEmbeddedDynamo();
    try {
      expect(a.path).toBeUndefined();
      expect(a.endpoint).not.toBe(b.endpoint);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
