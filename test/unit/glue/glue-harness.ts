import type { GlueClient } from '@aws-sdk/client-glue';
import { createGlueClient } from '../../../src/adapters/glue/client';
import { startGlueEmulator, type GlueEmulator } from '../../emulators/glue-emulator';
import type { GlueEmulatorContent } from '../../emulators/glue-model';
import { REGION } from '../../emulators/glue-fixtures';

/** A Glue emulator and a real SDK v3 GlueClient pointed at it. */
export interface GlueHarness {
  emulator: GlueEmulator;
  client: GlueClient;
  close(): Promise<void>;
}

export async function startGlueHarness(content: GlueEmulatorContent, options: { maxAttempts?: number; port?: number } = {}): Promise<GlueHarness> {
  const emulator = await startGlueEmulator(content, { port: options.port });
  const client = createGlueClient({ endpoint: emulator.url, region: REGION, maxAttempts: options.maxAttempts ?? 3, requestTimeoutMs: 5_000 });
  return {
    emulator,
    client,
    close: async () => {
      client.destroy();
      await emulator.close();
    },
  };
}
