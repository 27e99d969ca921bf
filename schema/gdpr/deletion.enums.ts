import { registerEnumType } from 'type-graphql';

export enum DeletionStatus {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
}
registerEnumType(DeletionStatus, {
  name: 'DeletionStatus',
  description: 'PENDING: recorded, not started. RUNNING: erasing. COMPLETED: erased and verified. FAILED: a step or the verification failed (retried with backoff).',
});
