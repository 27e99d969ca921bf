import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The plain bytes of the embedded DynamoDB's LevelDB files, for the erasure's
 * byte-level verification (src/gdpr/residue-scan.ts). A grep of the files as they
 * are misses most copies of a key or value: table files (`*.ldb`) store keys
 * prefix-compressed and blocks Snappy-compressed, and the write-ahead log and the
 * MANIFEST split records across 32 KiB blocks. This decodes them:
 *
 *   *.ldb, *.sst   every block the index names (data blocks, the index block, the
 *                  metaindex block), Snappy undone, keys rebuilt in full
 *   *.log          the log's records reassembled (write batches: keys and values
 *   MANIFEST-*     as written; version edits: the files' smallest and largest keys)
 *
 * Returns null for other files (LOG, CURRENT, LOCK: plain text) and for a file that
 * does not decode (e.g. a table file still being written); the raw bytes are scanned
 * in every case.
 */
export async function levelDbPlainBytes(file: string): Promise<Buffer | null> {
  const name = path.basename(file);
  const kind = /\.(ldb|sst)$/.test(name) ? 'table' : /\.log$/.test(name) || /^MANIFEST-\d+$/.test(name) ? 'log' : null;
  if (kind === null) return null;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null; // compacted away meanwhile
    throw error;
  }
  try {
    return kind === 'table' ? decodeTable(bytes) : decodeLog(bytes);
  } catch {
    return null;
  }
}

const TABLE_MAGIC = 0xdb4775248b80fb57n;
const FOOTER = 48;
const BLOCK_TRAILER = 5;

interface Handle {
  offset: number;
  size: number;
}

/** A table file: entries of the index, metaindex and every data block, as `key NUL value NUL`. */
export function decodeTable(bytes: Buffer): Buffer {
  if (bytes.length < FOOTER || bytes.readBigUInt64LE(bytes.length - 8) !== TABLE_MAGIC) throw new Error('not a LevelDB table file');
  const footer = new Reader(bytes, bytes.length - FOOTER);
  const metaindex = footer.handle();
  const index = footer.handle();
  const out: Buffer[] = [];
  const indexEntries = blockEntries(readBlock(bytes, index));
  for (const [key, value] of [...indexEntries, ...blockEntries(readBlock(bytes, metaindex))]) out.push(key, NUL, value, NUL);
  for (const [, value] of indexEntries) {
    for (const [key, v] of blockEntries(readBlock(bytes, new Reader(value, 0).handle()))) out.push(key, NUL, v, NUL);
  }
  return Buffer.concat(out);
}

const NUL = Buffer.from([0]);

function readBlock(bytes: Buffer, handle: Handle): Buffer {
  if (handle.offset + handle.size + BLOCK_TRAILER > bytes.length) throw new Error('block beyond the end of the file');
  const contents = bytes.subarray(handle.offset, handle.offset + handle.size);
  const type = bytes[handle.offset + handle.size];
  if (type === 0) return contents;
  if (type === 1) return snappyUncompress(contents);
  throw new Error(`unknown block compression ${type}`);
}

/** A block's entries: prefix-compressed keys rebuilt; the restart array at the end is skipped. */
function blockEntries(block: Buffer): Array<[Buffer, Buffer]> {
  if (block.length < 4) return [];
  const restarts = block.readUInt32LE(block.length - 4);
  const end = block.length - 4 - restarts * 4;
  const entries: Array<[Buffer, Buffer]> = [];
  const r = new Reader(block, 0);
  let key = Buffer.alloc(0);
  while (r.pos < end) {
    const shared = r.varint();
    const unshared = r.varint();
    const valueLength = r.varint();
    key = Buffer.concat([key.subarray(0, shared), r.take(unshared)]);
    entries.push([key, r.take(valueLength)]);
  }
  return entries;
}

const LOG_BLOCK = 32_768;
const LOG_HEADER = 7;

/** A log file (write-ahead log or MANIFEST): its records' payloads, reassembled, one after the other. */
export function decodeLog(bytes: Buffer): Buffer {
  const out: Buffer[] = [];
  let pending: Buffer[] = [];
  let pos = 0;
  while (pos + LOG_HEADER <= bytes.length) {
    const left = LOG_BLOCK - (pos % LOG_BLOCK);
    if (left < LOG_HEADER) {
      pos += left; // block trailer
      continue;
    }
    const length = bytes.readUInt16LE(pos + 4);
    const type = bytes[pos + 6]!;
    if (type === 0 && length === 0) {
      pos += left; // preallocated or padded rest of the block
      continue;
    }
    const fragment = bytes.subarray(pos + LOG_HEADER, Math.min(bytes.length, pos + LOG_HEADER + length));
    pos += LOG_HEADER + length;
    if (type === 1) out.push(fragment, NUL); // FULL
    else if (type === 2) pending = [fragment]; // FIRST
    else if (type === 3) pending.push(fragment); // MIDDLE
    else if (type === 4) {
      out.push(...pending, fragment, NUL); // LAST
      pending = [];
    } else out.push(fragment, NUL); // unknown: keep the bytes
  }
  out.push(...pending); // a record still being written
  return Buffer.concat(out);
}

/** Snappy's raw format (what LevelDB blocks use): a varint length, then literals and back-references. */
export function snappyUncompress(input: Buffer): Buffer {
  const r = new Reader(input, 0);
  const output = Buffer.alloc(r.varint());
  let out = 0;
  while (r.pos < input.length) {
    const tag = input[r.pos++]!;
    let length: number;
    let offset: number;
    switch (tag & 3) {
      case 0: {
        length = tag >>> 2;
        if (length >= 60) {
          const bytes = length - 59;
          length = input.readUIntLE(r.pos, bytes);
          r.pos += bytes;
        }
        length += 1;
        if (r.pos + length > input.length || out + length > output.length) throw new Error('snappy: literal beyond the end');
        input.copy(output, out, r.pos, r.pos + length);
        r.pos += length;
        out += length;
        continue;
      }
      case 1:
        length = 4 + ((tag >>> 2) & 7);
        offset = ((tag >>> 5) << 8) | input[r.pos++]!;
        break;
      case 2:
        length = (tag >>> 2) + 1;
        offset = input.readUInt16LE(r.pos);
        r.pos += 2;
        break;
      default:
        length = (tag >>> 2) + 1;
        offset = input.readUInt32LE(r.pos);
        r.pos += 4;
    }
    if (offset === 0 || offset > out || out + length > output.length) throw new Error('snappy: bad back-reference');
    // Byte by byte: a copy may overlap what it writes (runs).
    for (let i = 0; i < length; i++, out++) output[out] = output[out - offset]!;
  }
  if (out !== output.length) throw new Error('snappy: short output');
  return output;
}

class Reader {
  constructor(
    readonly bytes: Buffer,
    public pos: number,
  ) {}

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.bytes.length) throw new Error('varint beyond the end');
      const b = this.bytes[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  }

  handle(): Handle {
    return { offset: this.varint(), size: this.varint() };
  }

  take(n: number): Buffer {
    if (this.pos + n > this.bytes.length) throw new Error('entry beyond the end');
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
