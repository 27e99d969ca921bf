import { Field, Float, InputType, Int, ObjectType, ID } from 'type-graphql';
import { DateScalar, SafeIntScalar } from '../common/scalars';
import { StatsInterval } from './event.enums';

@InputType('EventBenchmarkInput', {
  description: 'A customer compared with the customers of its customer type ("am I normal?"), from the warehouse. Example: interval WEEK, eventTypes ["login"].',
})
export class EventBenchmarkInput {
  @Field(() => ID, { nullable: true, description: 'The customer to compare. A principal bound to one customer may omit it.' })
  customerId?: string | null;

  @Field(() => DateScalar, { description: 'First day, inclusive.' })
  from!: string;

  @Field(() => DateScalar, { description: 'Last day, inclusive.' })
  to!: string;

  @Field(() => StatsInterval, { defaultValue: StatsInterval.WEEK })
  interval!: StatsInterval;

  @Field(() => [String], { nullable: true, description: 'Only these event types (default: all).' })
  eventTypes?: string[] | null;
}

@ObjectType('EventBenchmark', {
  description:
    "One period and event type: the customer's own count beside the 25th, 50th and 75th percentile of its peers (customers of the same customer type, itself not counted; a peer without events counts 0). Peer groups smaller than LAKEGATE_BENCHMARK_MIN_PEERS are left out.",
})
export class EventBenchmark {
  @Field(() => DateScalar, { description: 'First day of the period (Monday for WEEK, the 1st for MONTH).' })
  periodStart!: string;

  @Field(() => String)
  eventType!: string;

  @Field(() => String, { description: "The customer's type: its peer group." })
  customerType!: string;

  @Field(() => SafeIntScalar, { description: "The customer's own events." })
  ownEvents!: number;

  @Field(() => Int, { description: 'Customers in the peer group.' })
  peers!: number;

  @Field(() => Float)
  peerP25!: number;

  @Field(() => Float)
  peerMedian!: number;

  @Field(() => Float)
  peerP75!: number;
}
