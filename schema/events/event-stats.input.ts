import { Field, InputType } from 'type-graphql';
import { DateScalar } from '../common/scalars';
import { StatsGroupBy, StatsInterval, StatsSource } from './event.enums';

@InputType('EventStatsInput', {
  description:
    'Event counts per period. Example: the weekly dataset = interval WEEK, groupBy [CUSTOMER_TYPE, EVENT_TYPE], excludeCustomerTypes ["Reseller"].',
})
export class EventStatsInput {
  @Field(() => DateScalar, { description: 'First day, inclusive.' })
  from!: string;

  @Field(() => DateScalar, { description: 'Last day, inclusive.' })
  to!: string;

  @Field(() => StatsInterval, { defaultValue: StatsInterval.DAY })
  interval!: StatsInterval;

  @Field(() => [StatsGroupBy], { defaultValue: [], description: 'Empty: one total per period.' })
  groupBy!: StatsGroupBy[];

  @Field(() => [String], { nullable: true })
  excludeCustomerTypes?: string[] | null;

  @Field(() => StatsSource, { defaultValue: StatsSource.WAREHOUSE })
  source!: StatsSource;
}
