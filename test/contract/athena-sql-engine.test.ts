import { startAthenaEmulator } from '../emulators/athena-emulator';
import { tempDir } from '../emulators/athena-lake-fixture';
import { athenaEngineFor } from '../emulators/athena-test-engine';
import { describeSqlEngineContract } from './sql-engine.contract';

/** The shared SqlEngine contract, run against AthenaEngine over HTTP (real SDK client, Athena emulator). */
describeSqlEngineContract('athena', async () => {
  const dir = tempDir('athena-contract');
  const emulator = await startAthenaEmulator({ dataDir: dir.dir });
  const engine = athenaEngineFor(emulator.endpoint);
  return {
    engine,
    close: async () => {
      await engine.close();
      await emulator.close();
      dir.remove();
    },
  };
});
