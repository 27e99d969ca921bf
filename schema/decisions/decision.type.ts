import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../common/connection';
import { DateTimeScalar } from '../common/scalars';
import { DecisionCheck } from './decision-check.type';
import { DecisionKind, DecisionOutcome } from './decision.enums';
import { Money } from './money.type';

@ObjectType('Decision', { description: 'A risk-assessment record (credit, fraud, AML) of a transaction. Immutable once recorded.' })
export class Decision {
  @Field(() => ID, { description: "The producer's id of the decision." })
  id!: string;

  @Field(() => ID)
  transactionId!: string;

  @Field(() => ID)
  customerId!: string;

  @Field(() => DateTimeScalar)
  decidedAt!: string;

  @Field(() => DecisionOutcome)
  outcome!: DecisionOutcome;

  @Field(() => DecisionKind)
  kind!: DecisionKind;

  @Field()
  policy!: string;

  @Field()
  policyVersion!: string;

  @Field(() => Float, { description: 'Risk score, 0 (no risk) .. 1.' })
  riskScore!: number;

  @Field(() => Money)
  amount!: Money;

  @Field(() => [DecisionCheck])
  checks!: DecisionCheck[];

  @Field(() => Int)
  schemaVersion!: number;

  @Field(() => DateTimeScalar, { description: 'When lakegate stored the decision.' })
  recordedAt!: string;
}

export const { Connection: DecisionConnection, Edge: DecisionEdge } = connectionTypes(
  'Decision',
  Decision,
  "A customer's decisions, newest first.",
);
