import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FormattedExecutionResult } from 'graphql';
import { ErrorCode } from '../errors/app-error';

/** Rows from which an answer is serialized in slices (below it, one JSON.stringify is cheaper). */
export const LARGE_RESULT_ROWS = 2000;
/** Serialized characters between two yields to the event loop. */
const SLICE_CHARS = 128 * 1024;

const largeResults = new WeakSet<object>();

/** Marks a result's data as large (its rows, counted by the request budget, are many). */
export function markLargeResult(data: object): void {
  largeResults.add(data);
}

class TooLarge extends Error {}

/**
 * Apollo's `stringifyResult`. A small answer is one JSON.stringify, as Apollo's
 * own. A large one (marked by the response-size plugin) is serialized row by row,
 * yielding to the event loop every 128 KB, so that a 5 MB answer does not stop
 * every other request (and /healthz) for the time it takes; and any answer over
 * LAKEGATE_MAX_RESPONSE_BYTES is replaced by a coded error instead of being sent.
 */
export function createStringifyResult(maxBytes: number) {
  return async (value: FormattedExecutionResult): Promise<string> => {
    try {
      if (value.data && largeResults.has(value.data)) return `${await sliced(value, maxBytes)}\n`;
      const text = JSON.stringify(value);
      if (Buffer.byteLength(text) > maxBytes) throw new TooLarge();
      return `${text}\n`;
    } catch (error) {
      if (!(error instanceof TooLarge)) throw error;
      return `${JSON.stringify({
        errors: [
          {
            message: `the answer is larger than the ${maxBytes} bytes allowed per response (LAKEGATE_MAX_RESPONSE_BYTES); fetch fewer fields per request or smaller pages`,
            extensions: { code: ErrorCode.QUERY_TOO_EXPENSIVE, limit: 'maxResponseBytes', max: maxBytes },
          },
        ],
        data: null,
        ...(value.extensions ? { extensions: value.extensions } : {}),
      })}\n`;
    }
  };
}

/** JSON of `value`, the same text JSON.stringify gives, written in slices. */
async function sliced(value: unknown, maxBytes: number): Promise<string> {
  const parts: string[] = [];
  let bytes = 0;
  let sinceYield = 0;
  const push = async (text: string) => {
    parts.push(text);
    bytes += text.length;
    sinceYield += text.length;
    if (bytes > maxBytes) throw new TooLarge();
    if (sinceYield >= SLICE_CHARS) {
      sinceYield = 0;
      await yieldToEventLoop();
    }
  };
  const write = async (node: unknown): Promise<void> => {
    if (Array.isArray(node)) {
      await push('[');
      for (let i = 0; i < node.length; i++) {
        const item = JSON.stringify(node[i]);
        await push(i === 0 ? (item ?? 'null') : `,${item ?? 'null'}`);
      }
      await push(']');
    } else if (node !== null && typeof node === 'object' && typeof (node as { toJSON?: unknown }).toJSON !== 'function') {
      await push('{');
      let first = true;
      for (const [key, child] of Object.entries(node)) {
        if (child === undefined || typeof child === 'function' || typeof child === 'symbol') continue;
        await push(`${first ? '' : ','}${JSON.stringify(key)}:`);
        first = false;
        await write(child);
      }
      await push('}');
    } else {
      await push(JSON.stringify(node) ?? 'null');
    }
  };
  await write(value);
  // Characters were counted as they came; the limit is in bytes.
  const text = parts.join('');
  if (Buffer.byteLength(text) > maxBytes) throw new TooLarge();
  return text;
}
