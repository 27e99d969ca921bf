import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirectoryResidueScan } from '../../../src/gdpr/residue-scan';
import { ByteSearch } from '../../../src/util/byte-search';

/**
 * Issue 16, M3 (b): the byte-level verification. ByteSearch finds every pattern
 * of a batch in one pass (Aho-Corasick beyond a few patterns, indexOf below);
 * DirectoryResidueScan reads every file under the data directory once, in chunks
 * that overlap, attributes each hit to the store owning the file, and searches a
 * store's decoded view too.
 */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-residue-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function naive(patterns: Buffer[], bytes: Buffer): number[] {
  return patterns.map((p, i) => (bytes.indexOf(p) >= 0 ? i : -1)).filter((i) => i >= 0);
}

describe('ByteSearch', () => {
  test('agrees with indexOf, for few and for many patterns, overlapping and nested ones included', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = 'cus_0123';
    const word = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    for (let round = 0; round < 40; round++) {
      const count = round % 2 === 0 ? 3 : 30;
      const patterns = Array.from({ length: count }, () => Buffer.from(word(2 + Math.floor(rand() * 6))));
      patterns.push(Buffer.from('cus_00004'), Buffer.from('cus_000042')); // one inside the other
      const bytes = Buffer.from(Array.from({ length: 3000 }, () => (rand() < 0.7 ? alphabet.charCodeAt(Math.floor(rand() * alphabet.length)) : Math.floor(rand() * 256))));
      const found = new Set<number>();
      new ByteSearch(patterns).search(bytes, found);
      expect([...found].sort((a, b) => a - b)).toEqual(naive(patterns, bytes));
    }
  });

  test('substring matching: an id inside a longer one counts (the documented price of not trusting token boundaries)', () => {
    const found = new Set<number>();
    new ByteSearch(['cus_4', 'a', 'b', 'c', 'd', 'e'].map((s) => Buffer.from(s))).search(Buffer.from('xx cus_42 yy'), found);
    expect(found.has(0)).toBe(true);
  });
});

describe('DirectoryResidueScan', () => {
  test('finds every subject of the batch in one pass, across chunk boundaries, naming files and owners', async () => {
    mkdirSync(path.join(dir, 'dynamodb'));
    mkdirSync(path.join(dir, 'events', 'day=2026-01-01'), { recursive: true });
    const filler = Buffer.alloc(100, 0x41);
    // cus_000001 straddles the 64-byte chunks of the warehouse file; cus_000002 only in the lake; cus_000003 nowhere.
    writeFileSync(path.join(dir, 'warehouse.duckdb'), Buffer.concat([filler.subarray(0, 60), Buffer.from('cus_000001'), filler]));
    writeFileSync(path.join(dir, 'warehouse.duckdb.wal'), Buffer.from('nothing'));
    writeFileSync(path.join(dir, 'events', 'day=2026-01-01', 'bucket-01.parquet'), Buffer.concat([filler, Buffer.from('cus_000002cus_000001')]));
    writeFileSync(path.join(dir, 'dynamodb', '000005.ldb'), Buffer.from('compressed'));
    writeFileSync(path.join(dir, 'stray.json'), Buffer.from('{"id":"cus_000002"}'));
    const decoded: string[] = [];
    const scan = new DirectoryResidueScan({
      root: dir,
      chunkBytes: 64,
      owners: [
        { store: 'warehouse', path: path.join(dir, 'warehouse.duckdb') },
        { store: 'lake', path: path.join(dir, 'events') },
        {
          store: 'decisions',
          path: path.join(dir, 'dynamodb'),
          ledger: true,
          plainBytes: async (file) => {
            decoded.push(path.basename(file));
            return Buffer.from('key cus_000003 value'); // what only decoding shows
          },
        },
      ],
    });
    const found = await scan.scan(['cus_000001', 'cus_000002', 'cus_000003', 'cus_000004']);
    expect(Object.fromEntries(found)).toEqual({
      cus_000001: [
        { file: path.join('events', 'day=2026-01-01', 'bucket-01.parquet'), store: 'lake' },
        { file: 'warehouse.duckdb', store: 'warehouse' },
      ],
      cus_000002: [
        { file: path.join('events', 'day=2026-01-01', 'bucket-01.parquet'), store: 'lake' },
        { file: 'stray.json', store: null },
      ],
      cus_000003: [{ file: path.join('dynamodb', '000005.ldb'), store: 'decisions', ledger: true }],
    });
    expect(decoded).toEqual(['000005.ldb']);
  });

  test('many subjects (Aho-Corasick) give the same answer as a few; nothing found, nothing reported', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `cus_${String(i).padStart(6, '0')}`);
    writeFileSync(path.join(dir, 'a.bin'), Buffer.concat([Buffer.alloc(5000, 7), Buffer.from(ids[17]!), Buffer.alloc(5000, 9), Buffer.from(ids[49]!)]));
    const scan = new DirectoryResidueScan({ root: dir, owners: [], chunkBytes: 4096 });
    const many = await scan.scan(ids);
    expect([...many.keys()].sort()).toEqual([ids[17], ids[49]]);
    expect(await scan.scan([ids[17]!])).toEqual(new Map([[ids[17], [{ file: 'a.bin', store: null }]]]));
    expect(await scan.scan(['cus_999999'])).toEqual(new Map());
    expect(await scan.scan([])).toEqual(new Map());
  });
});
