import { Field, ID, InputType } from 'type-graphql';
import { DateScalar } from '../common/scalars';

@InputType('EventFilter', { description: 'Which events to read. A date range is required: only its day partitions are read.' })
export class EventFilter {
  @Field(() => DateScalar, { description: 'First day, inclusive.' })
  from!: string;

  @Field(() => DateScalar, { description: 'Last day, inclusive.' })
  to!: string;

  @Field(() => ID, { nullable: true })
  customerId?: string | null;

  @Field(() => [String], { nullable: true, description: 'Event types to keep (e.g. ["login", "payment"]).' })
  eventTypes?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Customer types to keep (e.g. ["Enterprise"]).' })
  customerTypes?: string[] | null;
}
