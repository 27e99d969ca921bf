import { Field, InputType } from 'type-graphql';
import { DateTimeScalar } from '../common/scalars';
import { GlueJobRunState, GlueViolation } from './cost.enums';

@InputType('GlueJobRunFilter', { description: 'Which runs to list. Without from/to: the last 7 days.' })
export class GlueJobRunFilter {
  @Field(() => [String], { nullable: true })
  jobNames?: string[] | null;

  @Field(() => [GlueJobRunState], { nullable: true })
  states?: GlueJobRunState[] | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Runs started at or after.' })
  from?: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Runs started at or before.' })
  to?: string | null;

  @Field(() => [GlueViolation], { nullable: true, description: 'Keep runs with any of these violations.' })
  violations?: GlueViolation[] | null;
}
