import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * A local S3 for tests and benchmarks, speaking the S3 REST protocol for what the
 * load workflow uses: ListObjectsV2 (`GET /<bucket>?list-type=2`, path-style
 * requests: the real SDK v3 client with `forcePathStyle`) and HeadObject (`HEAD
 * /<bucket>/<key>`: 200 or 404). s3://<any bucket>/<key>
 * maps to <dataDir>/<key>, as in the Athena and Redshift emulators, so the objects
 * listed are the files the other emulators read and write. Keys come in S3's
 * order (UTF-8 binary), with Prefix, StartAfter, ContinuationToken, MaxKeys,
 * Delimiter (CommonPrefixes) and encoding-type=url; ETag is the MD5 of the content
 * in quotes (a single-part upload's), LastModified the file's mtime. Other
 * operations answer 501 NotImplemented in S3's XML error shape.
 */
export interface S3EmulatorOptions {
  dataDir: string;
  port?: number;
}

export interface S3Emulator {
  endpoint: string;
  /** Every request received: method, bucket, key (HeadObject) and query parameters. */
  calls: Array<{ method: string; bucket: string; key?: string; query: Record<string, string> }>;
  close(): Promise<void>;
}

const MAX_KEYS = 1000;

export async function startS3Emulator(options: S3EmulatorOptions): Promise<S3Emulator> {
  const calls: S3Emulator['calls'] = [];
  const etags = new Map<string, { stamp: string; etag: string }>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      try {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const [bucket = '', ...rest] = url.pathname.slice(1).split('/');
        const query = Object.fromEntries(url.searchParams);
        calls.push({ method: req.method ?? 'GET', bucket: decodeURIComponent(bucket), query, ...(rest.length > 0 ? { key: rest.map(decodeURIComponent).join('/') } : {}) });
        if (req.method === 'HEAD' && bucket && rest.some(Boolean)) return headObject(res, options.dataDir, rest.map(decodeURIComponent).join('/'), etags);
        if (req.method !== 'GET' || !bucket || rest.some(Boolean) || query['list-type'] !== '2') {
          return sendError(res, 501, 'NotImplemented', 'Only ListObjectsV2 (GET /<bucket>?list-type=2) and HeadObject (HEAD /<bucket>/<key>) are emulated');
        }
        send(res, 200, listObjectsV2(options.dataDir, decodeURIComponent(bucket), query, etags));
      } catch (error) {
        sendError(res, 500, 'InternalError', error instanceof Error ? error.message : String(error));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Entry {
  key: string;
  bytes: number;
  modified: Date;
  file: string;
}

function listObjectsV2(dataDir: string, bucket: string, q: Record<string, string>, etags: Map<string, { stamp: string; etag: string }>): string {
  const prefix = q.prefix ?? '';
  const delimiter = q.delimiter ?? '';
  const maxKeys = Math.min(MAX_KEYS, Math.max(0, Number(q['max-keys'] ?? MAX_KEYS) || 0));
  const after = q['continuation-token'] !== undefined ? Buffer.from(q['continuation-token'], 'base64url').toString('utf8') : (q['start-after'] ?? '');
  const urlEncoded = q['encoding-type'] === 'url';
  const keys = allKeys(dataDir).filter((e) => e.key.startsWith(prefix) && e.key > after);
  const contents: Entry[] = [];
  const common = new Set<string>();
  let last = '';
  let truncated = false;
  for (const entry of keys) {
    if (contents.length + common.size >= maxKeys) {
      truncated = true;
      break;
    }
    const cut = delimiter ? entry.key.indexOf(delimiter, prefix.length) : -1;
    if (cut >= 0) {
      const folded = entry.key.slice(0, cut + delimiter.length);
      if (!common.has(folded)) common.add(folded);
      last = entry.key;
      continue;
    }
    contents.push(entry);
    last = entry.key;
  }
  const enc = (text: string) => xml(urlEncoded ? encodeURIComponent(text).replace(/%2F/g, '/') : text);
  const body = [
    `<Name>${xml(bucket)}</Name>`,
    `<Prefix>${enc(prefix)}</Prefix>`,
    ...(q['start-after'] !== undefined ? [`<StartAfter>${enc(q['start-after'])}</StartAfter>`] : []),
    ...(q['continuation-token'] !== undefined ? [`<ContinuationToken>${xml(q['continuation-token'])}</ContinuationToken>`] : []),
    `<KeyCount>${contents.length + common.size}</KeyCount>`,
    `<MaxKeys>${maxKeys}</MaxKeys>`,
    ...(delimiter ? [`<Delimiter>${enc(delimiter)}</Delimiter>`] : []),
    ...(urlEncoded ? ['<EncodingType>url</EncodingType>'] : []),
    `<IsTruncated>${truncated}</IsTruncated>`,
    ...(truncated ? [`<NextContinuationToken>${Buffer.from(last, 'utf8').toString('base64url')}</NextContinuationToken>`] : []),
    ...contents.map(
      (e) =>
        `<Contents><Key>${enc(e.key)}</Key><LastModified>${e.modified.toISOString()}</LastModified><ETag>&quot;${etagOf(e, etags)}&quot;</ETag><Size>${e.bytes}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    ),
    ...[...common].map((c) => `<CommonPrefixes><Prefix>${enc(c)}</Prefix></CommonPrefixes>`),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${body.join('')}</ListBucketResult>`;
}

/** HeadObject: 200 with the object's headers, or 404 without a body (the SDK reads it as NotFound). */
function headObject(res: http.ServerResponse, dataDir: string, key: string, etags: Map<string, { stamp: string; etag: string }>): void {
  const file = path.join(dataDir, ...key.split('/'));
  const s = key.split('/').some((part) => part === '..' || part === '') ? undefined : statSync(file, { throwIfNoEntry: false });
  if (!s || !s.isFile()) {
    res.writeHead(404, { 'x-amz-request-id': `req-${Date.now().toString(36)}` });
    res.end();
    return;
  }
  const entry: Entry = { key, bytes: s.size, modified: new Date(Math.floor(s.mtimeMs / 1000) * 1000), file };
  res.writeHead(200, {
    'content-length': s.size,
    'content-type': 'application/octet-stream',
    etag: `"${etagOf(entry, etags)}"`,
    'last-modified': entry.modified.toUTCString(),
    'x-amz-request-id': `req-${Date.now().toString(36)}`,
  });
  res.end();
}

/** Every file under the data directory as an S3 key, in S3's order (UTF-8 bytes). */
function allKeys(root: string): Entry[] {
  const out: Entry[] = [];
  const walk = (dir: string, keyPrefix: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      const s = statSync(file, { throwIfNoEntry: false });
      if (!s) continue;
      if (s.isDirectory()) walk(file, `${keyPrefix}${name}/`);
      else if (s.isFile()) out.push({ key: `${keyPrefix}${name}`, bytes: s.size, modified: new Date(Math.floor(s.mtimeMs / 1000) * 1000), file });
    }
  };
  walk(root, '');
  return out.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
}

/** MD5 of the content, recomputed only when the file changed. */
function etagOf(entry: Entry, cache: Map<string, { stamp: string; etag: string }>): string {
  const s = statSync(entry.file);
  const stamp = `${s.size}-${s.mtimeMs}`;
  const known = cache.get(entry.file);
  if (known?.stamp === stamp) return known.etag;
  const etag = createHash('md5').update(readFileSync(entry.file)).digest('hex');
  cache.set(entry.file, { stamp, etag });
  return etag;
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

function send(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-amz-request-id': `req-${Date.now().toString(36)}` });
  res.end(body);
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  send(res, status, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xml(message)}</Message><RequestId>local</RequestId></Error>`);
}
