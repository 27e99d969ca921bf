import { badInput } from '../../errors/app-error';
import type { DecisionCheck, DecisionRecord } from '../../ports/decision-store';
import { identifier, text } from '../validation';

/** A decision as a producer sends it (the mutation's input, without GraphQL): checks' score and latency may be left out. */
export interface DecisionInput extends Omit<DecisionRecord, 'checks'> {
  checks: Array<Pick<DecisionCheck, 'name' | 'result'> & Partial<Pick<DecisionCheck, 'score' | 'latencyMs'>>>;
}

const DECIMAL = /^(0|[1-9]\d{0,17})(\.\d{1,6})?$/;
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const OUTCOMES = new Set(['APPROVED', 'REJECTED', 'REFERRED']);
const KINDS = new Set(['CREDIT', 'FRAUD', 'AML']);
const RESULTS = new Set(['PASS', 'FAIL', 'ERROR']);
const MAX_CHECKS = 100;
/** Producers' clocks drift; a decision far in the future is a bug upstream. */
const MAX_FUTURE_MS = 5 * 60_000;

function score(argument: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) throw badInput(argument, `must be between 0 and 1, got ${value}`);
  return value;
}

/** Validates and normalizes a decision; every failure names the field. */
export function validateDecisionInput(input: DecisionInput, now = Date.now()): DecisionRecord {
  const decidedAtMs = Date.parse(input.decidedAt);
  if (Number.isNaN(decidedAtMs)) throw badInput('input.decidedAt', 'must be an ISO 8601 instant');
  if (decidedAtMs > now + MAX_FUTURE_MS) throw badInput('input.decidedAt', `is in the future (${input.decidedAt})`);
  if (decidedAtMs < Date.parse('2000-01-01T00:00:00Z')) throw badInput('input.decidedAt', `is before 2000 (${input.decidedAt})`);
  if (!OUTCOMES.has(input.outcome)) throw badInput('input.outcome', `must be one of ${[...OUTCOMES].join(', ')}`);
  if (!KINDS.has(input.kind)) throw badInput('input.kind', `must be one of ${[...KINDS].join(', ')}`);
  if (!DECIMAL.test(input.amount.value)) {
    throw badInput('input.amount.value', `must be a non-negative decimal with up to 18 integer and 6 fraction digits, e.g. "1250.00"; got ${JSON.stringify(input.amount.value.slice(0, 40))}`);
  }
  if (!CURRENCIES.has(input.amount.currency)) {
    throw badInput('input.amount.currency', `must be an ISO 4217 code such as "EUR" or "USD"; got ${JSON.stringify(input.amount.currency.slice(0, 10))}`);
  }
  if (!Number.isInteger(input.schemaVersion) || input.schemaVersion < 1 || input.schemaVersion > 1000) {
    throw badInput('input.schemaVersion', `must be an integer from 1 to 1000, got ${input.schemaVersion}`);
  }
  if (input.checks.length > MAX_CHECKS) throw badInput('input.checks', `must have at most ${MAX_CHECKS} checks, got ${input.checks.length}`);
  const names = new Set<string>();
  const checks = input.checks.map((check, i) => {
    const name = text(`input.checks[${i}].name`, check.name, { max: 100 });
    if (names.has(name)) throw badInput(`input.checks[${i}].name`, `"${name}" appears twice`);
    names.add(name);
    if (!RESULTS.has(check.result)) throw badInput(`input.checks[${i}].result`, `must be one of ${[...RESULTS].join(', ')}`);
    const latency = check.latencyMs ?? null;
    if (latency !== null && (!Number.isInteger(latency) || latency < 0 || latency > 86_400_000)) {
      throw badInput(`input.checks[${i}].latencyMs`, `must be an integer from 0 to 86400000, got ${latency}`);
    }
    return {
      name,
      result: check.result,
      score: check.score === null || check.score === undefined ? null : score(`input.checks[${i}].score`, check.score),
      latencyMs: latency,
    };
  });
  return {
    id: identifier('input.id', input.id),
    transactionId: identifier('input.transactionId', input.transactionId),
    customerId: identifier('input.customerId', input.customerId),
    decidedAt: new Date(decidedAtMs).toISOString(),
    outcome: input.outcome,
    kind: input.kind,
    policy: text('input.policy', input.policy, { max: 200 }),
    policyVersion: text('input.policyVersion', input.policyVersion, { max: 50 }),
    riskScore: score('input.riskScore', input.riskScore),
    amount: { value: input.amount.value, currency: input.amount.currency },
    checks,
    schemaVersion: input.schemaVersion,
  };
}
