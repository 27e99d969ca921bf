import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { segmentSql } from './athena-redshift-duckdb';

/**
 * Redshift's `COPY <table> FROM 's3://bucket/prefix' IAM_ROLE '<role arn>' FORMAT
 * [AS] PARQUET` for the Redshift Data emulator: s3://<any bucket>/<key> maps to
 * <s3Root>/<key> (the Athena emulator's mapping, so COPY reads what UNLOAD wrote).
 * Like Redshift, every object whose key starts with the prefix is loaded, Parquet
 * columns map to the table's by position, and a prefix without objects fails. Other
 * COPY forms (CSV, JSON, manifests, credentials) are refused.
 *
 * Returns the DuckDB statement, or undefined when `sqlText` is not a COPY.
 */
export function redshiftCopyToDuckDb(sqlText: string, s3Root: string | undefined): string | undefined {
  const code = segmentSql(sqlText)
    .filter((s) => s.kind !== 'comment')
    .map((s) => s.text)
    .join('')
    .trim()
    .replace(/;\s*$/, '');
  if (!/^COPY\b/i.test(code)) return undefined;
  const match = /^COPY\s+("?[\w$]+"?(?:\s*\.\s*"?[\w$]+"?)?)\s+FROM\s+'(s3:\/\/[^']+)'\s+([\s\S]*)$/i.exec(code);
  if (!match) throw new Error(`ERROR: syntax error at or near "COPY" (the emulator takes COPY <table> FROM 's3://...' IAM_ROLE '...' FORMAT AS PARQUET)`);
  const options = match[3]!.replace(/\s+/g, ' ').trim();
  if (!/^IAM_ROLE '(arn:aws[a-z-]*:iam::\d{12}:role\/[^']+|default)' FORMAT (AS )?PARQUET$/i.test(options) && !/^FORMAT (AS )?PARQUET IAM_ROLE '(arn:aws[a-z-]*:iam::\d{12}:role\/[^']+|default)'$/i.test(options)) {
    throw new Error(`ERROR: COPY options not emulated: ${options} (only IAM_ROLE '<role arn>' FORMAT AS PARQUET)`);
  }
  if (!s3Root) throw new Error('ERROR: COPY from S3 needs the emulator option s3Root (the data directory S3 maps to)');
  const files = objectsUnder(s3Root, match[2]!);
  if (files.length === 0) throw new Error(`ERROR: The specified S3 prefix '${match[2]!.replace(/^s3:\/\/[^/]+\//, '')}' does not exist`);
  const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
  return `INSERT INTO ${match[1]} SELECT * FROM read_parquet([${list}])`;
}

/** Files whose mapped path starts with the prefix (S3 prefixes are not directories). */
function objectsUnder(root: string, uri: string): string[] {
  const key = uri.replace(/^s3:\/\/[^/]+\/?/, '');
  const prefix = path.join(root, ...key.split('/').filter(Boolean)) + (key.endsWith('/') ? path.sep : '');
  const start = key.endsWith('/') ? prefix : path.dirname(prefix);
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir).sort()) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (full.startsWith(prefix)) out.push(full);
    }
  };
  walk(start);
  return out;
}
