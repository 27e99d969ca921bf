import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Runs once before all suites: compiles the server (some tests start it as a child
 * process, e.g. the SIGTERM and SIGKILL tests).
 */
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '../..');
  execFileSync(process.execPath, [path.join(root, 'src/build.mjs'), '--server-only'], { cwd: root, stdio: 'ignore' });
}
