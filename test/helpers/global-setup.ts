import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Runs once before all suites: builds dist/ as `npm start` does — the server (some
 * tests start it as a child process, e.g. the SIGTERM and SIGKILL tests) and the
 * GraphiQL bundle (tests that start the app and open /graphql in a browser way must
 * not depend on which suite happened to build it first).
 */
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '../..');
  execFileSync(process.execPath, [path.join(root, 'src/build.mjs')], { cwd: root, stdio: 'ignore' });
}
