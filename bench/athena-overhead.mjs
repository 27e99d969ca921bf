// Runs bench/athena-overhead.ts (it uses the test emulators, which the build does
// not compile) through bench/lib/run-typescript.mjs.
// Usage: node bench/athena-overhead.mjs [--queries 30] [--latency 300] [--rows 100000] [--json]
import { runTypeScriptMain } from './lib/run-typescript.mjs';

await runTypeScriptMain('bench/athena-overhead.ts', process.argv.slice(2));
