import { badInput } from '../../errors/app-error';
import type { DecisionCheck, StorePosition, StoredDecision } from '../../ports/decision-store';

/**
 * How a decision is stored: its fields as they are (numbers as N, amount.value as
 * a string so decimals stay exact, checks as a list of maps) plus `decidedAtId`,
 * the sort key of both indexes. `${decidedAt}#${id}` orders by time and stays
 * unique when two decisions share a millisecond.
 */
export interface DecisionItem extends StoredDecision {
  decidedAtId: string;
}

export const BY_TRANSACTION_INDEX = 'byTransaction';
export const BY_CUSTOMER_INDEX = 'byCustomer';

export function decidedAtId(decidedAt: string, id: string): string {
  return `${decidedAt}#${id}`;
}

export function toItem(d: StoredDecision): DecisionItem {
  return {
    id: d.id,
    transactionId: d.transactionId,
    customerId: d.customerId,
    decidedAt: d.decidedAt,
    outcome: d.outcome,
    kind: d.kind,
    policy: d.policy,
    policyVersion: d.policyVersion,
    riskScore: d.riskScore,
    amount: { value: String(d.amount.value), currency: d.amount.currency },
    checks: d.checks.map(toCheck),
    schemaVersion: d.schemaVersion,
    bodyHash: d.bodyHash,
    recordedAt: d.recordedAt,
    decidedAtId: decidedAtId(d.decidedAt, d.id),
  };
}

export function fromItem(item: object): StoredDecision {
  const d = item as unknown as DecisionItem;
  return {
    id: d.id,
    transactionId: d.transactionId,
    customerId: d.customerId,
    decidedAt: d.decidedAt,
    outcome: d.outcome,
    kind: d.kind,
    policy: d.policy,
    policyVersion: d.policyVersion,
    riskScore: Number(d.riskScore),
    amount: { value: String(d.amount.value), currency: d.amount.currency },
    checks: (d.checks ?? []).map(toCheck),
    schemaVersion: Number(d.schemaVersion),
    bodyHash: d.bodyHash,
    recordedAt: d.recordedAt,
  };
}

function toCheck(c: DecisionCheck): DecisionCheck {
  return {
    name: c.name,
    result: c.result,
    score: c.score === null || c.score === undefined ? null : Number(c.score),
    latencyMs: c.latencyMs === null || c.latencyMs === undefined ? null : Number(c.latencyMs),
  };
}

/** The byCustomer index position of an item: what DynamoDB takes as ExclusiveStartKey. */
export function customerPosition(d: StoredDecision): StorePosition {
  return { id: d.id, customerId: d.customerId, decidedAtId: decidedAtId(d.decidedAt, d.id) };
}

/**
 * Checks a position handed back by a caller (it came through a client's cursor):
 * it must be a byCustomer position of this customer inside the queried range, or
 * DynamoDB would either reject it or silently resume somewhere else.
 */
export function checkCustomerPosition(p: StorePosition, customerId: string, lower: string | undefined, upper: string | undefined): StorePosition {
  const keys = Object.keys(p).sort().join(',');
  const { id, decidedAtId: sortKey } = p;
  const valid =
    keys === 'customerId,decidedAtId,id' &&
    typeof id === 'string' &&
    id.length > 0 &&
    p.customerId === customerId &&
    typeof sortKey === 'string' &&
    sortKey.endsWith(`#${id}`) &&
    (lower === undefined || sortKey >= lower) &&
    (upper === undefined || sortKey <= upper);
  if (!valid) throw badInput('after', 'is not a position inside this customer query; pass pageInfo.endCursor from the previous page');
  return { id, customerId, decidedAtId: sortKey };
}

/**
 * Inclusive time bounds as sort-key bounds: `from` itself sorts before every
 * `${from}#id`, and `${to}$` after every `${to}#id` ('$' follows '#').
 */
export function sortKeyBounds(from: string | undefined, to: string | undefined): { lower?: string; upper?: string } {
  const lower = from === undefined ? undefined : normalizeInstant(from, 'from');
  const upper = to === undefined ? undefined : `${normalizeInstant(to, 'to')}$`;
  if (lower !== undefined && upper !== undefined && lower > upper) throw badInput('from', 'must not be after to');
  return { ...(lower !== undefined ? { lower } : {}), ...(upper !== undefined ? { upper } : {}) };
}

/** Stored decidedAt values are ISO 8601 UTC with milliseconds; bounds must compare the same way. */
function normalizeInstant(value: string, argument: string): string {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw badInput(argument, `is not an ISO 8601 date-time: ${JSON.stringify(value).slice(0, 64)}`);
  return new Date(ms).toISOString();
}
