import { badInput } from '../../errors/app-error';

/**
 * Tokens the Glue catalog adapter hands out. They are absolute positions, so a
 * caller may resume from one with any page size:
 *  - tables: the Glue NextToken of the Glue page holding the next item (null for the
 *    first page), the MaxResults that page was read with, and how many of its
 *    items come before the position;
 *  - partitions: an offset into the table's partitions in partition-value order.
 */
export interface TablePosition {
  glueToken: string | null;
  maxResults: number;
  skip: number;
}

const TABLE_PREFIX = 'gt1.';
const PARTITION_PREFIX = 'gp1.';

export function encodeTablePosition(p: TablePosition): string {
  return TABLE_PREFIX + Buffer.from(JSON.stringify([p.glueToken, p.maxResults, p.skip]), 'utf8').toString('base64url');
}

export function decodeTablePosition(token: string): TablePosition {
  if (token.startsWith(TABLE_PREFIX)) {
    try {
      const [glueToken, maxResults, skip] = JSON.parse(Buffer.from(token.slice(TABLE_PREFIX.length), 'base64url').toString('utf8')) as unknown[];
      if ((glueToken === null || typeof glueToken === 'string') && isCount(maxResults) && maxResults >= 1 && isCount(skip)) {
        return { glueToken, maxResults, skip };
      }
    } catch {
      // fall through
    }
  }
  throw badInput('after', 'is not a position in this table listing; pass pageInfo.endCursor from the previous page');
}

export function encodePartitionOffset(offset: number): string {
  return `${PARTITION_PREFIX}${offset}`;
}

export function decodePartitionOffset(token: string): number {
  const digits = token.startsWith(PARTITION_PREFIX) ? token.slice(PARTITION_PREFIX.length) : '';
  const offset = /^\d{1,15}$/.test(digits) ? Number(digits) : NaN;
  if (!isCount(offset)) throw badInput('after', 'is not a position in this partition listing; pass pageInfo.endCursor from the previous page');
  return offset;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}
