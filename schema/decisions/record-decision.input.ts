import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { DateTimeScalar } from '../common/scalars';
import { DecisionCheckInput } from './decision-check.type';
import { DecisionKind, DecisionOutcome } from './decision.enums';
import { MoneyInput } from './money.type';

@InputType('RecordDecisionInput', {
  description: 'A decision as its producer sends it. Idempotent on id: the same id and body return the stored decision; the same id with another body is refused.',
})
export class RecordDecisionInput {
  @Field(() => ID, { description: "The producer's id (1-128 characters: letters, digits, _ - . :)." })
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

  @Field(() => Float)
  riskScore!: number;

  @Field(() => MoneyInput)
  amount!: MoneyInput;

  @Field(() => [DecisionCheckInput], { defaultValue: [] })
  checks!: DecisionCheckInput[];

  @Field(() => Int, { defaultValue: 1 })
  schemaVersion!: number;
}
