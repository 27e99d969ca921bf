import { SingleBar, Presets } from 'cli-progress';
import type { SeedPhase, SeedProgressEvent } from './options';

/**
 * How the seed command shows progress: a bar per phase on a terminal, otherwise
 * (CI, pipes, logs) one line per phase at every 25% and when it is done.
 */
export interface SeedProgressReporter {
  onProgress: (event: SeedProgressEvent) => void;
  stop: () => void;
}

const LABELS: Record<SeedPhase, string> = {
  prepare: 'prepare   ',
  customers: 'customers ',
  events: 'events    ',
  warehouse: 'warehouse ',
  jobRuns: 'job runs  ',
  catalog: 'catalog   ',
  decisions: 'decisions ',
  finalize: 'finalize  ',
};

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function createSeedProgressReporter(stream: NodeJS.WriteStream = process.stdout, tty: boolean = stream.isTTY === true): SeedProgressReporter {
  return tty ? barReporter(stream) : lineReporter(stream);
}

function barReporter(stream: NodeJS.WriteStream): SeedProgressReporter {
  let bar: SingleBar | undefined;
  let phase: SeedPhase | undefined;
  const finish = () => {
    bar?.stop();
    bar = undefined;
    phase = undefined;
  };
  return {
    onProgress(e) {
      if (phase !== e.phase) {
        finish();
        phase = e.phase;
        bar = new SingleBar(
          { stream, format: `${LABELS[e.phase]} [{bar}] {percentage}% | {value}/{total} {unit} | {elapsed}`, hideCursor: true, clearOnComplete: false, noTTYOutput: true },
          Presets.shades_classic,
        );
        bar.start(Math.max(1, e.total), 0, { unit: e.unit, elapsed: seconds(e.ms) });
      }
      bar!.setTotal(Math.max(1, e.total));
      bar!.update(e.finished ? Math.max(1, e.total) : e.done, { unit: e.unit, elapsed: seconds(e.ms) });
      if (e.finished) finish();
    },
    stop: finish,
  };
}

function lineReporter(stream: NodeJS.WriteStream): SeedProgressReporter {
  const printed = new Map<SeedPhase, number>();
  return {
    onProgress(e) {
      if (e.finished) {
        stream.write(`seed: ${LABELS[e.phase].trim()} done (${e.done.toLocaleString('en-US')} ${e.unit}) in ${seconds(e.ms)}\n`);
        return;
      }
      const percent = e.total > 0 ? Math.floor((e.done / e.total) * 100) : 0;
      const step = Math.floor(percent / 25) * 25;
      if (step > 0 && step < 100 && (printed.get(e.phase) ?? 0) < step) {
        printed.set(e.phase, step);
        stream.write(`seed: ${LABELS[e.phase].trim()} ${step}% (${e.done.toLocaleString('en-US')}/${e.total.toLocaleString('en-US')} ${e.unit})\n`);
      }
    },
    stop: () => undefined,
  };
}
