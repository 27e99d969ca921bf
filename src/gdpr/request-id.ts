import { randomBytes } from 'node:crypto';

/**
 * Deletion request ids: `del_` + time (base 36, so ids sort roughly by creation)
 * + 80 random bits. They fit the identifier rule of src/services/validation.ts.
 */
export function newDeletionRequestId(now: number = Date.now()): string {
  return `del_${now.toString(36).padStart(9, '0')}${randomBytes(10).toString('hex')}`;
}
