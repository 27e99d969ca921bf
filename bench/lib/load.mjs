// Runs the load generator (bench/lib/load-worker.mjs) in a child process and
// returns its figures; fails when any request errs or answers wrongly.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { median, ROOT } from './common.mjs';

export function runLoad({ url, body, headers, connections, duration, expect }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bench/lib/load-worker.mjs'), JSON.stringify({ url, body, headers, connections, duration, expect })], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      const result = JSON.parse(out.trim().split('\n').pop());
      if (result.errors > 0 || result.non2xx > 0 || result.wrong > 0 || result.requests === 0 || (expect && result.checked === 0)) {
        return reject(new Error(`load on ${url}: ${result.errors} errors, ${result.non2xx} non-2xx, ${result.wrong}/${result.checked} wrong answers ${result.sample}`));
      }
      resolve(result);
    });
  });
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); NaN elsewhere. */
export function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/**
 * Interleaved load runs: each round runs every target once (alternating the order),
 * after one short warm-up per target. Returns, per target, its runs and medians.
 */
export async function interleavedLoad(targets, { rounds, duration, warmup, connections, log = console.log }) {
  for (const t of targets) await runLoad({ ...t.load, connections, duration: warmup });
  const runs = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      const cpuBefore = t.pid ? cpuMs(t.pid) : NaN;
      const result = await runLoad({ ...t.load, connections, duration });
      // Server CPU per request: steadier than throughput on a machine shared with other work.
      result.serverCpuMsPerRequest = (cpuMs(t.pid) - cpuBefore) / result.requests;
      runs[t.name].push(result);
      log(`  round ${r + 1}/${rounds} ${t.name}: ${result.requestsPerSec.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, server CPU ${result.serverCpuMsPerRequest.toFixed(3)} ms/request`);
    }
  }
  return Object.fromEntries(
    targets.map((t) => {
      const list = runs[t.name];
      return [
        t.name,
        {
          requestsPerSec: median(list.map((x) => x.requestsPerSec)),
          p50Ms: median(list.map((x) => x.p50Ms)),
          p99Ms: median(list.map((x) => x.p99Ms)),
          serverCpuMsPerRequest: median(list.map((x) => x.serverCpuMsPerRequest)),
          runs: list.map(({ sample, ...rest }) => rest),
        },
      ];
    }),
  );
}
