import { HeadObjectCommand, ListObjectsV2Command, type S3Client, type _Object } from '@aws-sdk/client-s3';
import { AppError, ErrorCode } from '../../errors/app-error';
import { s3CallError } from './s3-call';
import { parseS3Object, parseS3Prefix } from './s3-uri';

/** A listed object: key relative to the listed prefix. */
export interface S3Entry {
  name: string;
  bytes: number;
  etag: string;
  modifiedAt: string;
}

export interface S3ListOptions {
  /** Only keys after this one (relative to the prefix), in S3's key order. */
  startAfter?: string;
  /** Stops listing at the first key (relative) for which this is true: keys come in order. */
  stopAt?: (name: string) => boolean;
  signal?: AbortSignal;
}

/** ListObjectsV2 over an s3:// prefix, page by page (ContinuationToken). */
export class S3Objects implements ObjectPresence {
  constructor(
    private readonly client: S3Client,
    private readonly pageSize = 1000,
  ) {}

  async list(uri: string, options: S3ListOptions = {}): Promise<S3Entry[]> {
    const { bucket, prefix } = parseS3Prefix(uri);
    const out: S3Entry[] = [];
    let token: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            MaxKeys: this.pageSize,
            ...(token ? { ContinuationToken: token } : options.startAfter ? { StartAfter: prefix + options.startAfter } : {}),
          }),
          { abortSignal: options.signal },
        );
      } catch (error) {
        throw s3CallError(error, 'ListObjectsV2', bucket, options.signal);
      }
      for (const object of page.Contents ?? []) {
        const entry = toEntry(object, prefix);
        if (!entry) continue;
        if (options.stopAt?.(entry.name)) return out;
        out.push(entry);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (!token) return out;
    }
  }

  /** Which of these objects (s3://bucket/key) exist (see presentObjects). */
  present(uris: readonly string[], signal?: AbortSignal): Promise<string[]> {
    return presentObjects(this.client, this, uris, signal);
  }

  /** Whether any object exists under the prefix. */
  async any(uri: string, signal?: AbortSignal): Promise<boolean> {
    const { bucket, prefix } = parseS3Prefix(uri);
    try {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }), { abortSignal: signal });
      return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
    } catch (error) {
      throw s3CallError(error, 'ListObjectsV2', bucket, signal);
    }
  }
}

/** Objects of one "directory" at which a listing is cheaper than one HeadObject each. */
const LIST_FROM = 3;

export interface ObjectPresence {
  /** The URIs (s3://bucket/key) that exist, in the order given. */
  present(uris: readonly string[], signal?: AbortSignal): Promise<string[]>;
}

/**
 * Which of these objects exist: HeadObject for a few, one ListObjectsV2 per
 * "directory" (the key up to its last '/') holding several. HeadObject needs
 * s3:GetObject; without s3:ListBucket S3 answers 403 for a missing key instead of
 * 404, so a refusal is reported naming both.
 */
export async function presentObjects(client: S3Client, objects: S3Objects, uris: readonly string[], signal?: AbortSignal): Promise<string[]> {
  const byDir = new Map<string, string[]>();
  for (const uri of new Set(uris)) {
    const dir = uri.slice(0, uri.lastIndexOf('/') + 1);
    byDir.set(dir, [...(byDir.get(dir) ?? []), uri]);
  }
  const found = new Set<string>();
  for (const [dir, group] of byDir) {
    if (group.length >= LIST_FROM) {
      const listed = new Set((await objects.list(dir, { signal })).map((e) => `${dir}${e.name}`));
      for (const uri of group) if (listed.has(uri)) found.add(uri);
      continue;
    }
    for (const uri of group) {
      const { bucket, key } = parseS3Object(uri);
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
        found.add(uri);
      } catch (error) {
        const e = (error ?? {}) as { name?: unknown; $metadata?: { httpStatusCode?: number } };
        const status = e.$metadata?.httpStatusCode;
        if (e.name === 'NotFound' || e.name === 'NoSuchKey' || status === 404) continue;
        if (status === 403 || e.name === 'Forbidden' || e.name === 'AccessDenied') {
          throw new AppError(
            ErrorCode.FORBIDDEN,
            `S3 HeadObject on bucket ${bucket} was denied, so lakegate cannot confirm the erased files are gone: grant lakegate's role s3:GetObject on arn:aws:s3:::${bucket}/${key.slice(0, key.lastIndexOf('/') + 1)}* and s3:ListBucket on arn:aws:s3:::${bucket} (without s3:ListBucket S3 answers 403, not 404, for a deleted object)`,
            { details: { backend: 's3', action: 's3:GetObject', bucket }, cause: error },
          );
        }
        throw s3CallError(error, 'HeadObject', bucket, signal);
      }
    }
  }
  return uris.filter((u) => found.has(u));
}

function toEntry(object: _Object, prefix: string): S3Entry | undefined {
  if (!object.Key || !object.Key.startsWith(prefix) || object.Key.endsWith('/')) return undefined;
  return {
    name: object.Key.slice(prefix.length),
    bytes: object.Size ?? 0,
    etag: (object.ETag ?? '').replace(/^"|"$/g, ''),
    modifiedAt: (object.LastModified ?? new Date(0)).toISOString(),
  };
}
