// The load generator, in a process of its own so that it never shares an event
// loop with a server under test: autocannon with the given options, then one JSON
// line on stdout with throughput, latency percentiles and errors.
// Usage: node bench/lib/load-worker.mjs '<json options>'
//   { url, body, headers, connections, duration (s), expect (a substring every
//     response body must contain; checked on a sample) }
import autocannon from 'autocannon';

const o = JSON.parse(process.argv[2]);
let seen = 0;
let checked = 0;
let wrong = 0;
let sample = '';
const result = await autocannon({
  url: o.url,
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(o.headers ?? {}) },
  body: o.body,
  connections: o.connections,
  pipelining: 1,
  duration: o.duration,
  // Every 50th answer must be the right one (the whole body: autocannon's verifyBody).
  verifyBody: o.expect
    ? (body) => {
        if (seen++ % 50 !== 0) return true;
        checked++;
        const ok = String(body).includes(o.expect);
        if (!ok) {
          wrong++;
          sample ||= String(body).slice(0, 300);
        }
        return ok;
      }
    : undefined,
});
process.stdout.write(
  `${JSON.stringify({
    requestsPerSec: result.requests.average,
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    meanMs: result.latency.average,
    maxMs: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
    bytesPerSec: result.throughput.average,
    checked,
    wrong,
    sample,
  })}\n`,
);
