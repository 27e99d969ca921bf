import { Field, Float, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar, SafeIntScalar } from '../common/scalars';
import { GlueJobRun } from './glue-job-run.type';

@ObjectType('JobCostSummary', { description: "One job's runs in the report's window." })
export class JobCostSummary {
  @Field()
  jobName!: string;

  @Field(() => Int)
  runs!: number;

  @Field(() => Int)
  succeeded!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  timedOut!: number;

  @Field(() => Int)
  stopped!: number;

  @Field(() => Int, { description: 'Runs with attempt > 0.' })
  retries!: number;

  @Field(() => Float)
  dpuHours!: number;

  @Field(() => Float)
  costUsd!: number;

  @Field(() => Int)
  longestRunSeconds!: number;
}

@ObjectType('QueryCost', { description: "lakegate's own backend queries in the window, per engine." })
export class QueryCost {
  @Field({ description: 'duckdb, athena, redshift, dynamodb, glue' })
  engine!: string;

  @Field(() => SafeIntScalar)
  count!: number;

  @Field(() => SafeIntScalar)
  bytesScanned!: number;

  @Field(() => Float)
  costUsd!: number;

  @Field(() => Float, { description: 'Total engine time seen by lakegate.' })
  totalMs!: number;
}

@ObjectType('CostThresholds', { description: 'The thresholds and price the report was computed with.' })
export class CostThresholds {
  @Field(() => Int)
  maxWorkers!: number;

  @Field(() => Int)
  maxMinutes!: number;

  @Field(() => Float)
  dpuHourUsd!: number;
}

@ObjectType('CostReport', { description: 'What the platform cost in a window: Glue job runs and lakegate\'s own queries.' })
export class CostReport {
  @Field(() => DateTimeScalar)
  from!: string;

  @Field(() => DateTimeScalar)
  to!: string;

  @Field(() => Float)
  totalCostUsd!: number;

  @Field(() => Float)
  totalDpuHours!: number;

  @Field(() => [JobCostSummary], { description: 'Per job, most expensive first.' })
  jobs!: JobCostSummary[];

  @Field(() => [GlueJobRun], { description: 'The 10 longest runs.' })
  longestRuns!: GlueJobRun[];

  @Field(() => [GlueJobRun], { description: 'Runs with violations, newest first.' })
  violations!: GlueJobRun[];

  @Field(() => [QueryCost])
  queryCosts!: QueryCost[];

  @Field(() => CostThresholds)
  thresholds!: CostThresholds;
}
