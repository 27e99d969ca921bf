import { Field, Int, ObjectType } from 'type-graphql';
import { DateScalar, DateTimeScalar, SafeIntScalar } from '../common/scalars';

@ObjectType('DayFreshness', { description: 'One day of a dataset: what landed, what the lake and the warehouse hold.' })
export class DayFreshness {
  @Field(() => DateScalar)
  day!: string;

  @Field(() => SafeIntScalar, { description: 'Landing rows the loads of the day took (valid or not).' })
  landingRows!: number;

  @Field(() => SafeIntScalar, { description: 'Events of the day in the lake (lake.events).' })
  lakeRows!: number;

  @Field(() => SafeIntScalar, { description: 'Events of the day in the warehouse (sum of warehouse.daily_event_counts.total_events).' })
  warehouseRows!: number;

  @Field({ description: 'The lake and the warehouse hold the same number of events for the day.' })
  consistent!: boolean;
}

@ObjectType('DatasetFreshness', { description: 'How fresh a dataset is: its newest day, its last load, its lag, what waits in landing.' })
export class DatasetFreshness {
  @Field({ description: '`lake.events` or `warehouse.daily_event_counts`.' })
  dataset!: string;

  @Field(() => DateScalar, { nullable: true, description: 'The oldest day holding data (with newestDay: the window queries can ask about).' })
  oldestDay!: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'The newest day holding data.' })
  newestDay!: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When a load last finished (null: never; the seeded data only).' })
  lastLoadedAt!: string | null;

  @Field(() => Int, { nullable: true, description: 'Seconds between now and the newest event the dataset holds.' })
  lagSeconds!: number | null;

  @Field(() => [DateScalar], { description: 'Days with landing files not loaded yet.' })
  pendingDays!: string[];

  @Field(() => SafeIntScalar, { description: 'Landing rows kept in the quarantine (failed validation), over every load.' })
  quarantinedRows!: number;
}
