// Closed-loop clients over distinct GraphQL requests, in a process of its own so
// that they never share an event loop with a server or with the sampler of
// bench/overload.mjs. `connections` clients each send the next request of the list
// as soon as their previous one is answered, for warmupMs + durationMs; only answers
// that arrive in the measured window (after the warm-up) are counted. At the end the
// requests still open are aborted (the server drops them from its queue or
// interrupts them), then one JSON line is written on stdout.
//
// Usage: node bench/lib/closed-loop-worker.mjs '<json options>'
//   { url, query, inputsFile (a JSON array of eventStats inputs), offset (first
//     input to use), connections, warmupMs, durationMs, label (the backend query
//     label every completed answer must report: a cache miss that reached the engine) }
//
// An answer is: `ok` (data, no error, exactly one backend query `label`: it ran),
// `busy` (every error BACKEND_BUSY: shed by admission control; the client waits
// `retryAfterSeconds`, as the server asks, before its next request) or an error
// (anything else: reported, and the benchmark fails).
import { readFileSync } from 'node:fs';

const o = JSON.parse(process.argv[2]);
const inputs = JSON.parse(readFileSync(o.inputsFile, 'utf8'));
let next = o.offset;
const abort = new AbortController();
const started = performance.now();
const measureFrom = started + o.warmupMs;
const measureTo = measureFrom + o.durationMs;
const inWindow = (t) => t >= measureFrom && t <= measureTo;

const ok = [];
const queueMs = [];
let busy = 0;
let busyTotal = 0;
let okTotal = 0;
let retryWaitMs = 0;
const errors = [];
let exhausted = false;

const sleep = (ms) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

async function client() {
  while (!abort.signal.aborted) {
    if (next >= inputs.length) {
      exhausted = true;
      return;
    }
    const input = inputs[next++];
    const sent = performance.now();
    let status;
    let body;
    try {
      const res = await fetch(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: o.query, variables: { input } }),
        signal: abort.signal,
      });
      status = res.status;
      body = await res.json();
    } catch (error) {
      if (abort.signal.aborted) return;
      errors.push(`request failed: ${error instanceof Error ? `${error.message}${error.cause ? ` (${error.cause.code ?? error.cause.message ?? error.cause})` : ''}` : error}`);
      continue;
    }
    const done = performance.now();
    const codes = (body.errors ?? []).map((e) => e.extensions?.code);
    if (codes.length > 0 && codes.every((c) => c === 'BACKEND_BUSY')) {
      busyTotal++;
      if (inWindow(done)) busy++;
      const retry = Math.max(...body.errors.map((e) => Number(e.extensions?.retryAfterSeconds) || 1)) * 1000;
      retryWaitMs += retry;
      await sleep(retry);
      continue;
    }
    const ran = (body.extensions?.cost?.queries ?? []).filter((q) => q.label === o.label);
    if (status !== 200 || codes.length > 0 || !Array.isArray(body.data?.eventStats) || ran.length !== 1 || body.extensions?.cache?.response === 'hit') {
      errors.push(`${status} ${JSON.stringify(body).slice(0, 300)} for ${JSON.stringify(input)}`);
      continue;
    }
    okTotal++;
    if (inWindow(done)) {
      ok.push(done - sent);
      queueMs.push(ran[0].queueMs ?? 0);
    }
  }
}

const clients = Array.from({ length: o.connections }, () => client());
await new Promise((resolve) => setTimeout(resolve, Math.max(0, measureTo - performance.now())));
abort.abort();
await Promise.all(clients);

process.stdout.write(
  `${JSON.stringify({
    connections: o.connections,
    durationMs: o.durationMs,
    completed: ok.length,
    goodput: ok.length / (o.durationMs / 1000),
    shed: busy,
    completedTotal: okTotal,
    shedTotal: busyTotal,
    retryWaitMs,
    latencyMs: ok,
    queueMs,
    used: next - o.offset,
    exhausted,
    errors: errors.length,
    errorSamples: errors.slice(0, 3),
  })}\n`,
);
