/** An `s3://bucket/prefix/` URI split into what the S3 API takes. */
export interface S3Prefix {
  bucket: string;
  /** Key prefix: '' or ending in '/'. */
  prefix: string;
}

const URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

export function parseS3Prefix(uri: string): S3Prefix {
  const match = URI.exec(uri);
  if (!match) throw new TypeError(`not an s3:// URI: ${JSON.stringify(uri)}`);
  const key = match[2] ?? '';
  return { bucket: match[1]!, prefix: key === '' || key.endsWith('/') ? key : `${key}/` };
}

/** An `s3://bucket/key` URI of one object. */
export function parseS3Object(uri: string): { bucket: string; key: string } {
  const match = URI.exec(uri);
  if (!match || !match[2]) throw new TypeError(`not an s3:// object URI: ${JSON.stringify(uri)}`);
  return { bucket: match[1]!, key: match[2] };
}
