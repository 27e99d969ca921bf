import type { DecisionRecord } from '../../ports/decision-store';
import { canonicalJson, sha256Hex } from '../../util/hash';

/** Hash of a decision's body: producers re-sending the same decision get the same hash. */
export function decisionBodyHash(record: DecisionRecord): string {
  const body: DecisionRecord = {
    id: record.id,
    transactionId: record.transactionId,
    customerId: record.customerId,
    decidedAt: record.decidedAt,
    outcome: record.outcome,
    kind: record.kind,
    policy: record.policy,
    policyVersion: record.policyVersion,
    riskScore: record.riskScore,
    amount: { value: record.amount.value, currency: record.amount.currency },
    checks: record.checks.map((c) => ({ name: c.name, result: c.result, score: c.score, latencyMs: c.latencyMs })),
    schemaVersion: record.schemaVersion,
  };
  return sha256Hex(canonicalJson(body));
}
