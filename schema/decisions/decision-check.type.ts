import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import { CheckResult } from './decision.enums';

@ObjectType('DecisionCheck', { description: 'One check that contributed to a decision.' })
export class DecisionCheck {
  @Field()
  name!: string;

  @Field(() => CheckResult)
  result!: CheckResult;

  @Field(() => Float, { nullable: true, description: 'Score of the check, 0..1.' })
  score!: number | null;

  @Field(() => Int, { nullable: true, description: 'How long the check took.' })
  latencyMs!: number | null;
}

@InputType('DecisionCheckInput')
export class DecisionCheckInput {
  @Field()
  name!: string;

  @Field(() => CheckResult)
  result!: CheckResult;

  @Field(() => Float, { nullable: true })
  score?: number | null;

  @Field(() => Int, { nullable: true })
  latencyMs?: number | null;
}
