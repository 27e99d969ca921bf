import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { AppError, ErrorCode } from '../errors/app-error';

/**
 * The subject id as the deletion ledger keeps it until the erasure is verified:
 * sealed (AES-256-GCM, a random nonce, under a key derived from the subject-hash
 * key), never the raw id. Every update of a request item writes the whole item
 * again, and the old versions stay in the store's files (LevelDB's log and tables,
 * DynamoDB's backups and streams) for a while; sealed, none of them holds the raw
 * id bytes, so the byte-level verification of the erasure (residue-scan.ts) can
 * require that no file holds them. Completing a request removes the sealed id too.
 *
 * Values recorded before sealing existed (no prefix) are read as the raw id.
 */
const PREFIX = 'sealed1:';
const NONCE = 12;
const TAG = 16;
const AAD = Buffer.from('lakegate deletion ledger subjectId');

function sealKey(subjectHashKey: string): Buffer {
  return createHmac('sha256', subjectHashKey).update('lakegate:subject-seal:v1').digest();
}

export function sealSubject(subjectHashKey: string, subjectId: string): string {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', sealKey(subjectHashKey), nonce);
  cipher.setAAD(AAD);
  const sealed = Buffer.concat([cipher.update(subjectId, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([nonce, cipher.getAuthTag(), sealed]).toString('base64url');
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** The raw subject id of a ledger value (sealed, or raw from before sealing). */
export function openSubject(subjectHashKey: string | undefined, stored: string): string {
  if (!isSealed(stored)) return stored;
  const bytes = Buffer.from(stored.slice(PREFIX.length), 'base64url');
  if (subjectHashKey === undefined || bytes.length <= NONCE + TAG) throw unopenable();
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealKey(subjectHashKey), bytes.subarray(0, NONCE));
    decipher.setAAD(AAD);
    decipher.setAuthTag(bytes.subarray(NONCE, NONCE + TAG));
    return Buffer.concat([decipher.update(bytes.subarray(NONCE + TAG)), decipher.final()]).toString('utf8');
  } catch (error) {
    throw unopenable(error);
  }
}

function unopenable(cause?: unknown): AppError {
  return new AppError(
    ErrorCode.INTERNAL_SERVER_ERROR,
    'the request\'s sealed subject id cannot be opened: is LAKEGATE_SUBJECT_HASH_KEY (or the data directory\'s subject-hash.key) the one it was recorded with?',
    { cause },
  );
}
