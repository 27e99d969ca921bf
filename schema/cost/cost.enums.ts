import { registerEnumType } from 'type-graphql';

export enum GlueJobRunState {
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  TIMEOUT = 'TIMEOUT',
  STOPPED = 'STOPPED',
  RUNNING = 'RUNNING',
  STARTING = 'STARTING',
  STOPPING = 'STOPPING',
  WAITING = 'WAITING',
  ERROR = 'ERROR',
  EXPIRED = 'EXPIRED',
}
export enum GlueViolation {
  WORKER_THRESHOLD = 'WORKER_THRESHOLD',
  DURATION_THRESHOLD = 'DURATION_THRESHOLD',
  FAILED = 'FAILED',
  TIMEOUT = 'TIMEOUT',
}

registerEnumType(GlueJobRunState, { name: 'GlueJobRunState', description: 'Glue JobRunState.' });
registerEnumType(GlueViolation, {
  name: 'GlueViolation',
  description:
    'Why a run needs attention: more workers or a longer run than the thresholds (not evaluated for jobs tagged remediate=false), or a failed or timed-out run (always reported).',
});
