import { open } from 'node:fs/promises';
import path from 'node:path';
import { AppError, ErrorCode } from '../../errors/app-error';

const PARQUET_MAGIC = 'PAR1';

/**
 * Before a rewritten Parquet copy replaces a lake file (erasure, load): it must end
 * with Parquet's footer magic (a complete file) and its data must be on disk
 * (fdatasync: enough for a new file's contents and size; the directory is synced
 * after the renames). `context` and `unchanged` word the error. Returns the size.
 */
export async function syncCompleteParquet(file: string, context: string, unchanged: string): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const tail = Buffer.alloc(4);
    if (size < 12 || (await handle.read(tail, 0, 4, size - 4)).bytesRead !== 4 || tail.toString('latin1') !== PARQUET_MAGIC) {
      throw new AppError(ErrorCode.INTERNAL_SERVER_ERROR, `${context}: ${path.basename(file)} is not a complete Parquet file (${size} bytes); ${unchanged}`, {
        details: { backend: 'duckdb' },
      });
    }
    await handle.datasync();
    return size;
  } finally {
    await handle.close();
  }
}

/** Makes the renames in a directory durable. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
