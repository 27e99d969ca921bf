import { Field, ID, ObjectType } from 'type-graphql';
import { PERSONAL_ATTRIBUTE_KEYS } from '../../src/services/events/event-attributes';
import { connectionTypes } from '../common/connection';
import { DateScalar, DateTimeScalar, JSONObjectScalar } from '../common/scalars';
import { EventSeverity } from './event.enums';

@ObjectType('Event', { description: 'A customer or security event from the data lake.' })
export class Event {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTimeScalar)
  occurredAt!: string;

  @Field(() => DateScalar, { description: 'The day partition holding the event.' })
  day!: string;

  @Field(() => ID)
  customerId!: string;

  @Field()
  customerType!: string;

  @Field()
  eventType!: string;

  @Field()
  source!: string;

  @Field()
  region!: string;

  @Field(() => EventSeverity)
  severity!: EventSeverity;

  @Field(() => JSONObjectScalar, {
    description: `Event details as the source wrote them. Personal keys (${PERSONAL_ATTRIBUTE_KEYS.join(', ')}; any depth, any case) read as "***" without pii:read.`,
  })
  attributes!: Record<string, unknown>;
}

export const { Connection: EventConnection, Edge: EventEdge } = connectionTypes('Event', Event, 'Events, newest first.');
