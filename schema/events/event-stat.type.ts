import { Field, ID, ObjectType } from 'type-graphql';
import { DateScalar, SafeIntScalar } from '../common/scalars';

@ObjectType('EventStat', { description: 'Events counted for one period and group. Dimensions not grouped by are null.' })
export class EventStat {
  @Field(() => DateScalar, { description: 'First day of the period (Monday for WEEK, the 1st for MONTH).' })
  periodStart!: string;

  @Field(() => String, { nullable: true })
  customerType!: string | null;

  @Field(() => String, { nullable: true })
  eventType!: string | null;

  @Field(() => ID, { nullable: true })
  customerId!: string | null;

  @Field(() => SafeIntScalar)
  totalEvents!: number;
}
