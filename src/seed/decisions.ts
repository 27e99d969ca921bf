import type { CheckResult, DecisionCheck, DecisionKind, DecisionOutcome, DecisionRecord, DecisionStore, StoredDecision } from '../ports/decision-store';
import { decisionBodyHash } from '../services/decisions/decision-hash';
import { addDays, dayToEpochMs, type Day } from '../util/days';
import { sha256Hex } from '../util/hash';
import { customerId } from './customers';
import { Rng } from './rng';

/**
 * Risk decisions: 1-3 per transaction (fraud screening first, then credit or AML),
 * spread over the data's period, busier customers deciding more often. Generated
 * in batches so any count fits in memory; deterministic from the seed.
 */
const CHECKS: Record<DecisionKind, readonly string[]> = {
  FRAUD: ['device_fingerprint', 'velocity', 'geo_mismatch'],
  CREDIT: ['bureau_score', 'affordability', 'exposure_limit'],
  AML: ['sanctions_list', 'pep_screening', 'adverse_media'],
};
const POLICIES: Record<DecisionKind, { name: string; versions: [string, string] }> = {
  FRAUD: { name: 'fraud-screen', versions: ['7.3.0', '7.4.1'] },
  CREDIT: { name: 'credit-limit', versions: ['2025.1', '2025.2'] },
  AML: { name: 'aml-watchlist', versions: ['2024.12', '2025.3'] },
};
/** ISO 4217 currency and its minor units. */
const CURRENCIES: ReadonlyArray<readonly [{ code: string; digits: number; scale: number }, number]> = [
  [{ code: 'EUR', digits: 2, scale: 1 }, 45],
  [{ code: 'USD', digits: 2, scale: 1.1 }, 25],
  [{ code: 'GBP', digits: 2, scale: 0.85 }, 15],
  [{ code: 'SEK', digits: 2, scale: 11 }, 10],
  [{ code: 'JPY', digits: 0, scale: 160 }, 5],
];

export interface DecisionGeneratorOptions {
  decisions: number;
  customers: number;
  startDay: Day;
  endDay: Day;
  randomSeed: number;
}

function kindsFor(rng: Rng, count: number): DecisionKind[] {
  if (count === 3) return ['FRAUD', 'AML', 'CREDIT'];
  if (count === 2) return ['FRAUD', rng.chance(0.7) ? 'CREDIT' : 'AML'];
  return [rng.weighted<DecisionKind>([['FRAUD', 50], ['CREDIT', 35], ['AML', 15]])];
}

function check(rng: Rng, name: string, risk: number): DecisionCheck {
  const result: CheckResult = rng.chance(0.03) ? 'ERROR' : rng.chance(0.04 + risk * 0.25) ? 'FAIL' : 'PASS';
  if (result === 'ERROR') return { name, result, score: null, latencyMs: rng.chance(0.5) ? null : rng.int(2000, 5000) };
  const score = result === 'FAIL' ? 0.6 + 0.4 * rng.next() : 0.5 * rng.next();
  return { name, result, score: Math.round(score * 1000) / 1000, latencyMs: rng.int(3, 400) };
}

function outcomeOf(checks: DecisionCheck[], riskScore: number): DecisionOutcome {
  if (checks.some((c) => c.result === 'ERROR')) return 'REFERRED';
  if (checks.some((c) => c.result === 'FAIL')) return riskScore >= 0.5 ? 'REJECTED' : 'REFERRED';
  return riskScore > 0.4 ? 'REFERRED' : 'APPROVED';
}

function decision(o: DecisionGeneratorOptions, transaction: number, position: number, kind: DecisionKind, at: { txnId: string; customer: string; decidedAt: number; amount: { value: string; currency: string }; risk: number }): StoredDecision {
  const rng = Rng.for(o.randomSeed, 'decision', `${transaction}:${position}`);
  const checks = CHECKS[kind].map((name) => check(rng, name, at.risk));
  const scores = checks.map((c) => c.score).filter((s): s is number => s !== null);
  const mean = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : 0.5;
  const riskScore = Math.min(1, Math.max(0, Math.round((0.6 * mean + 0.4 * at.risk) * 10_000) / 10_000));
  const periodMid = (dayToEpochMs(o.startDay) + dayToEpochMs(o.endDay)) / 2;
  const policy = POLICIES[kind];
  const record: DecisionRecord = {
    id: `dec_${sha256Hex(`${o.randomSeed}:decision:${transaction}:${position}`).slice(0, 24)}`,
    transactionId: at.txnId,
    customerId: at.customer,
    decidedAt: new Date(at.decidedAt).toISOString(),
    outcome: outcomeOf(checks, riskScore),
    kind,
    policy: policy.name,
    policyVersion: at.decidedAt < periodMid ? policy.versions[0] : policy.versions[1],
    riskScore,
    amount: at.amount,
    checks,
    schemaVersion: 1,
  };
  return { ...record, bodyHash: decisionBodyHash(record), recordedAt: new Date(at.decidedAt + rng.int(20, 400)).toISOString() };
}

/** Decisions in batches of `batchSize`, transaction by transaction. */
export function* generateDecisions(o: DecisionGeneratorOptions, batchSize = 1000): Generator<StoredDecision[]> {
  const start = dayToEpochMs(o.startDay);
  const span = dayToEpochMs(addDays(o.endDay, 1)) - start - 10_000;
  let batch: StoredDecision[] = [];
  let made = 0;
  for (let t = 0; made < o.decisions; t++) {
    const rng = Rng.for(o.randomSeed, 'transaction', t);
    const count = Math.min(o.decisions - made, rng.weighted([[1, 50], [2, 30], [3, 20]] as const));
    const customer = customerId(1 + Math.min(o.customers - 1, Math.floor(o.customers * rng.next() ** 2)));
    const currency = rng.weighted(CURRENCIES);
    const base = Math.exp(Math.log(10) + rng.next() * Math.log(2500)) * currency.scale; // 10 .. 25,000 EUR-ish
    const amount = { value: base.toFixed(currency.digits), currency: currency.code };
    const txnId = `txn_${sha256Hex(`${o.randomSeed}:transaction:${t}`).slice(0, 20)}`;
    const risk = rng.next() ** 3;
    let decidedAt = start + Math.floor(rng.next() * span);
    kindsFor(rng, count).forEach((kind, position) => {
      batch.push(decision(o, t, position, kind, { txnId, customer, decidedAt, amount, risk }));
      decidedAt += rng.int(150, 3000);
    });
    made += count;
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Writes every generated decision through the store (BatchWriteItem underneath). */
export async function writeDecisions(store: DecisionStore, o: DecisionGeneratorOptions, onWritten: (done: number) => void): Promise<number> {
  let written = 0;
  for (const batch of generateDecisions(o)) {
    await store.putMany(batch);
    written += batch.length;
    onWritten(written);
  }
  return written;
}
