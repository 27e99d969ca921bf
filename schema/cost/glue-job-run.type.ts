import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../common/connection';
import { DateTimeScalar } from '../common/scalars';
import { GlueJobRunState, GlueViolation } from './cost.enums';

@ObjectType('GlueJobRun', { description: 'One run of a Glue job, with its estimated cost and threshold violations.' })
export class GlueJobRun {
  @Field(() => ID)
  id!: string;

  @Field()
  jobName!: string;

  @Field(() => Int, { description: '0 for the first attempt; retries count up.' })
  attempt!: number;

  @Field(() => GlueJobRunState)
  state!: GlueJobRunState;

  @Field(() => DateTimeScalar)
  startedOn!: string;

  @Field(() => DateTimeScalar, { nullable: true })
  completedOn!: string | null;

  @Field(() => Int)
  executionTimeSeconds!: number;

  @Field(() => String, { nullable: true, description: 'G.1X, G.2X, G.4X, G.8X, Z.2X, ...' })
  workerType!: string | null;

  @Field(() => Int, { nullable: true })
  numberOfWorkers!: number | null;

  @Field(() => Float, { description: 'DPU-seconds: as Glue reports them, else workers x DPU per worker x execution time (60 s minimum).' })
  dpuSeconds!: number;

  @Field(() => Float, { description: 'DPU-hours x the configured price per DPU-hour.' })
  estimatedCostUsd!: number;

  @Field(() => [GlueViolation])
  violations!: GlueViolation[];

  @Field(() => String, { nullable: true })
  errorMessage!: string | null;
}

export const { Connection: GlueJobRunConnection } = connectionTypes('GlueJobRun', GlueJobRun, 'Glue job runs, newest first.');
