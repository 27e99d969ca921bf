import { badInput } from '../errors/app-error';
import { spendRows } from '../observability/request-budget';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Validates `first` (default 50, 1..500). */
export function pageSize(first: number | null | undefined, argument = 'first', max = MAX_PAGE_SIZE): number {
  if (first === null || first === undefined) return Math.min(DEFAULT_PAGE_SIZE, max);
  if (!Number.isInteger(first) || first < 1) throw badInput(argument, `must be a positive integer, got ${first}`);
  if (first > max) throw badInput(argument, `must be at most ${max}, got ${first}; page with after/endCursor instead`);
  return first;
}

/** A page of a Relay connection as services return it. */
export interface Page<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /**
   * Resolved only when read (a getter): counting is a query of its own, run only
   * when a client selects totalCount.
   */
  readonly totalCount?: Promise<number> | null;
}

export function makePage<T>(nodes: T[], cursorOf: (node: T) => string, hasNextPage: boolean, hasPreviousPage: boolean, totalCount?: () => Promise<number>): Page<T> {
  // Every connection's rows count toward the response's row budget (nested pages multiply).
  spendRows(nodes.length);
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  const page: Page<T> = {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
  let counted: Promise<number> | undefined;
  Object.defineProperty(page, 'totalCount', {
    enumerable: true,
    get: () => (totalCount ? (counted ??= totalCount()) : null),
  });
  return page;
}

/** A page with no rows and totalCount 0 (nothing to query): e.g. a customer the caller may not see. */
export function emptyPage<T>(hasPreviousPage = false): Page<T> {
  return makePage<T>([], () => '', false, hasPreviousPage, () => Promise.resolve(0));
}
