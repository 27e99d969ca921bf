import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';

/**
 * Redshift sends int8 values as JSON numbers (Field.longValue); parsed as JS
 * numbers, those beyond 2^53 would silently change. Before the SDK parses a
 * GetStatementResult response, such numbers are rewritten as stringValue, which
 * the value conversion reads back exactly as a bigint (as DuckDB gives it).
 */
const LONG_VALUE = /"longValue"\s*:\s*(-?\d{16,})/g;

export function exactLongValues(json: string): string {
  return json.replace(LONG_VALUE, (match, digits: string) => (Number.isSafeInteger(Number(digits)) ? match : `"stringValue":"${digits}"`));
}

interface RawResponse {
  body?: unknown;
}

async function readBody(body: unknown): Promise<Buffer | undefined> {
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body && typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  return undefined;
}

/** Adds the rewrite to a client, just before the SDK deserializes GetStatementResult responses. */
export function keepLongValuesExact(client: RedshiftDataClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName !== 'GetStatementResultCommand') return result;
      const response = result.response as RawResponse | undefined;
      if (!response) return result;
      const body = await readBody(response.body);
      if (body !== undefined) {
        const text = body.toString('utf8');
        const rewritten = exactLongValues(text);
        response.body = rewritten === text ? body : Buffer.from(rewritten, 'utf8');
      }
      return result;
    },
    { step: 'deserialize', name: 'lakegateExactLongValues', priority: 'low' },
  );
}
