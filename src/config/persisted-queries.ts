import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import { z } from 'zod';
import { ConfigError, envBool, envInt, readEnv, type Env } from './env';

/**
 * Persisted queries (src/server/persisted-queries.ts).
 *
 * Automatic Persisted Queries (APQ): a client sends the sha256 of its document;
 * the first time, with the document, which is then kept in the shared cache (Redis
 * when configured) for `apqTtlSeconds`.
 *
 * Trusted documents (LAKEGATE_TRUSTED_DOCUMENTS): a manifest of the only operations
 * that may run, read and checked at boot. Two formats, as frontend build tools emit
 * them: `{ "<sha256>": "<document>", ... }` (GraphQL Codegen's client preset,
 * persisted-documents.json) and Apollo's persisted query manifest
 * `{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ "id", "name", "type", "body" }] }`.
 * Every id must be the sha256 (hex) of its document.
 */
export interface TrustedDocuments {
  /** The manifest file (absolute). */
  path: string;
  /** sha256 (lowercase hex) -> document. */
  documents: ReadonlyMap<string, string>;
}

export interface PersistedQueriesConfig {
  /** APQ on (LAKEGATE_APQ, default true); off: persisted-query requests get PERSISTED_QUERY_NOT_SUPPORTED. */
  apq: boolean;
  /** How long a registered document is kept. */
  apqTtlSeconds: number;
  /** Present when LAKEGATE_TRUSTED_DOCUMENTS is set: only these operations run. */
  trusted: TrustedDocuments | undefined;
}

const VARIABLE = 'LAKEGATE_TRUSTED_DOCUMENTS';
const SHA256 = /^[0-9a-f]{64}$/;

export function readPersistedQueriesConfig(env: Env): PersistedQueriesConfig {
  const v = readEnv(env, {
    LAKEGATE_APQ: envBool().default(true),
    LAKEGATE_APQ_TTL_SECONDS: envInt(1, 30 * 86_400).default(86_400),
    // A path; the file is read and checked by readTrustedDocuments (every problem reported).
    LAKEGATE_TRUSTED_DOCUMENTS: z.string().optional(),
  });
  return {
    apq: v.LAKEGATE_APQ,
    apqTtlSeconds: v.LAKEGATE_APQ_TTL_SECONDS,
    trusted: v.LAKEGATE_TRUSTED_DOCUMENTS === undefined ? undefined : readTrustedDocuments(v.LAKEGATE_TRUSTED_DOCUMENTS),
  };
}

/** Reads and checks a manifest; a ConfigError names the file and every problem found. */
export function readTrustedDocuments(file: string): TrustedDocuments {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new ConfigError([`${VARIABLE}: cannot read ${absolute} (${(error as NodeJS.ErrnoException).code ?? String(error)})`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`${VARIABLE}: ${absolute} is not valid JSON (${(error as Error).message})`]);
  }
  return { path: absolute, documents: trustedDocumentsFrom(json, absolute) };
}

/** The documents of a parsed manifest (either format), every id checked against its document. */
export function trustedDocumentsFrom(json: unknown, where: string): Map<string, string> {
  const problems: string[] = [];
  const entries: Array<[id: string, document: unknown, label: string]> = [];
  if (isObject(json) && json.format === 'apollo-persisted-query-manifest') {
    if (json.version !== 1) problems.push(`${VARIABLE}: ${where}: unsupported apollo-persisted-query-manifest version ${JSON.stringify(json.version)} (expected 1)`);
    if (!Array.isArray(json.operations)) {
      problems.push(`${VARIABLE}: ${where}: "operations" must be an array of { id, name, type, body }`);
    } else {
      json.operations.forEach((operation: unknown, i: number) => {
        if (!isObject(operation)) problems.push(`${VARIABLE}: ${where}: operations[${i}] must be an object { id, name, type, body }`);
        else entries.push([String(operation.id), operation.body, `operations[${i}]${typeof operation.name === 'string' ? ` (${operation.name})` : ''}`]);
      });
    }
  } else if (isObject(json)) {
    for (const [id, document] of Object.entries(json)) entries.push([id, document, JSON.stringify(id)]);
  } else {
    problems.push(`${VARIABLE}: ${where}: expected { "<sha256>": "<document>" } or an apollo-persisted-query-manifest`);
  }

  const documents = new Map<string, string>();
  for (const [id, document, label] of entries) {
    if (!SHA256.test(id)) {
      problems.push(`${VARIABLE}: ${where}: ${label}: id ${JSON.stringify(id)} is not a sha256 (64 lowercase hex digits)`);
      continue;
    }
    if (typeof document !== 'string' || document.trim() === '') {
      problems.push(`${VARIABLE}: ${where}: ${label}: the document must be a non-empty string`);
      continue;
    }
    const actual = createHash('sha256').update(document).digest('hex');
    if (actual !== id) {
      problems.push(`${VARIABLE}: ${where}: ${label}: id is not the sha256 of its document (that is ${actual}); regenerate the manifest`);
      continue;
    }
    try {
      parse(document, { noLocation: true });
    } catch (error) {
      problems.push(`${VARIABLE}: ${where}: ${label}: the document does not parse (${(error as Error).message})`);
      continue;
    }
    documents.set(id, document);
  }
  if (problems.length === 0 && documents.size === 0) problems.push(`${VARIABLE}: ${where}: the manifest lists no operation (nothing could run)`);
  if (problems.length > 0) throw new ConfigError(problems);
  return documents;
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
