import { startRedshiftDataEmulator } from '../emulators/redshift-data-emulator';
import { redshiftEngineFor } from '../emulators/redshift-test-engine';
import { describeSqlEngineContract } from './sql-engine.contract';

/** The shared SqlEngine contract, run against RedshiftDataEngine over HTTP (real SDK client, Redshift Data emulator). */
describeSqlEngineContract(
  'redshift-data',
  async () => {
    const emulator = await startRedshiftDataEmulator({});
    const engine = redshiftEngineFor(emulator.endpoint);
    return {
      engine,
      close: async () => {
        await engine.close();
        await emulator.close();
      },
    };
  },
  { nested: false },
);
