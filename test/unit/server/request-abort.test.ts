import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { RequestAbort } from '../../../src/server/request-abort';

/**
 * RequestAbort makes the request's signal on first use; it must behave as if made
 * when the request arrived. A real Fastify server on port 0 and real client
 * connections that go away.
 */
type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

let app: FastifyInstance;
let handler: Handler;
let url: string;

beforeAll(async () => {
  app = Fastify();
  app.get('/', (request, reply) => handler(request, reply));
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await app.close();
});

/** Sends a request and destroys the connection once `gone` is called. */
function requestThenLeave(): { gone: () => void; done: Promise<void> } {
  const req = http.get(url);
  const done = new Promise<void>((resolve) => {
    req.on('error', () => resolve());
    req.on('close', () => resolve());
  });
  return { gone: () => req.destroy(), done };
}

const socketClosed = (request: FastifyRequest) => new Promise<void>((resolve) => request.raw.socket.once('close', () => resolve()));

test('asked for after the client went away, the signal is aborted at once', async () => {
  let seen: { aborted: boolean; reason: string } | undefined;
  const finished = new Promise<void>((resolve) => {
    handler = async (request, reply) => {
      const abort = new RequestAbort(request, reply, 60_000);
      client.gone();
      await socketClosed(request);
      const signal = abort.signal;
      seen = { aborted: signal.aborted, reason: String((signal.reason as Error | undefined)?.message) };
      abort.dispose();
      resolve();
      return 'late';
    };
  });
  const client = requestThenLeave();
  await finished;
  await client.done;
  expect(seen).toEqual({ aborted: true, reason: 'client closed the connection' });
});

test('asked for before, the signal aborts when the client goes away', async () => {
  let reason: string | undefined;
  const finished = new Promise<void>((resolve) => {
    handler = async (request, reply) => {
      const abort = new RequestAbort(request, reply, 60_000);
      const signal = abort.signal;
      expect(signal.aborted).toBe(false);
      const aborted = new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
      client.gone();
      await aborted;
      reason = (signal.reason as Error).message;
      abort.dispose();
      resolve();
      return 'late';
    };
  });
  const client = requestThenLeave();
  await finished;
  await client.done;
  expect(reason).toBe('client closed the connection');
});

test('the deadline counts from the arrival of the request, not from the first use', async () => {
  let reason: string | undefined;
  handler = async (request, reply) => {
    const abort = new RequestAbort(request, reply, 50);
    await new Promise((r) => setTimeout(r, 120));
    const signal = abort.signal;
    reason = signal.aborted ? (signal.reason as Error).message : 'not aborted';
    abort.dispose();
    return 'ok';
  };
  const res = await fetch(url);
  expect(await res.text()).toBe('ok');
  expect(reason).toBe('request exceeded 50 ms');
});

test('never asked for, it leaves no listener on the socket; asked for, dispose removes it', async () => {
  const counts: number[] = [];
  handler = async (request, reply) => {
    const socket = request.raw.socket;
    const before = socket.listenerCount('close');
    const unused = new RequestAbort(request, reply, 60_000);
    counts.push(socket.listenerCount('close') - before);
    unused.dispose();
    const used = new RequestAbort(request, reply, 60_000);
    void used.signal;
    counts.push(socket.listenerCount('close') - before);
    used.dispose();
    counts.push(socket.listenerCount('close') - before);
    // Whatever of the request still ran after its answer is cancelled.
    expect(used.signal.aborted).toBe(true);
    expect((used.signal.reason as Error).message).toBe('the response was already sent');
    return 'ok';
  };
  const res = await fetch(url);
  expect(await res.text()).toBe('ok');
  expect(counts).toEqual([0, 1, 0]);
});

test('cancelled before anyone asked for the signal: the signal, when made, is already aborted with the reason', async () => {
  let state: { aborted: boolean; reason: string } | undefined;
  handler = async (request, reply) => {
    const abort = new RequestAbort(request, reply, 60_000);
    abort.cancel(new Error('the answer is final'));
    state = { aborted: abort.signal.aborted, reason: (abort.signal.reason as Error).message };
    abort.dispose();
    return 'ok';
  };
  const res = await fetch(url);
  expect(await res.text()).toBe('ok');
  expect(state).toEqual({ aborted: true, reason: 'the answer is final' });
});
