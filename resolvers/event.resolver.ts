import { Arg, Args, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { hasScope } from '../src/auth/principal';
import type { RequestContext } from '../src/context/request-context';
import type { CustomerRecord } from '../src/services/customers/customer.service';
import { attributesFor } from '../src/services/events/event-attributes';
import type { EventRecord, EventStatRecord } from '../src/services/events/event.service';
import type { Services } from '../src/services/services';
import type { Page } from '../src/util/pagination';
import { PageArgs } from '../schema/common/pagination.args';
import { JSONObjectScalar } from '../schema/common/scalars';
import { Customer } from '../schema/customers/customer.type';
import { EventFilter } from '../schema/events/event-filter.input';
import { EventStat } from '../schema/events/event-stat.type';
import { EventStatsInput } from '../schema/events/event-stats.input';
import { EventBenchmark, EventBenchmarkInput } from '../schema/events/event-benchmark.type';
import type { EventBenchmarkRecord } from '../src/services/events/peer-benchmark';
import { Event, EventConnection } from '../schema/events/event.type';

@Resolver(() => Event)
export class EventResolver {
  constructor(private readonly services: Services) {}

  @Authorized('events:read')
  @Query(() => EventConnection, { description: 'Lake events, newest first. Only the day partitions of filter.from..filter.to are read.' })
  async events(@Arg('filter', () => EventFilter) filter: EventFilter, @Args() page: PageArgs, @Ctx() ctx: RequestContext): Promise<Page<EventRecord>> {
    const answer = await this.services.events.events(filter, page.first, page.after);
    if (answer.edges.length === 0 && !page.after) await this.noteDataWindow(filter, ctx);
    return answer;
  }

  @Authorized('events:read')
  @Query(() => [EventStat], { description: 'Event counts per period and group, from the warehouse (default) or the lake.' })
  async eventStats(@Arg('input', () => EventStatsInput) input: EventStatsInput, @Ctx() ctx: RequestContext): Promise<EventStatRecord[]> {
    const answer = await this.services.events.eventStats(input);
    if (answer.length === 0) await this.noteDataWindow(input, ctx);
    return answer;
  }

  @Authorized('events:read')
  @Query(() => [EventBenchmark], {
    description: 'A customer beside its peers (same customer type): per period and event type, its own count and the peers\' 25th/50th/75th percentile. One warehouse query.',
  })
  eventBenchmark(@Arg('input', () => EventBenchmarkInput) input: EventBenchmarkInput): Promise<EventBenchmarkRecord[]> {
    return this.services.benchmark.benchmark(input);
  }

  /** An empty answer whose range reaches outside the data says where the data is (extensions.dataWindow). */
  private async noteDataWindow(range: { from: string; to: string }, ctx: RequestContext): Promise<void> {
    const window = await this.services.events.windowForEmptyAnswer(range);
    if (window) ctx.scope.dataWindow = window;
  }

  /** Per caller, after the (shared) events cache: personal keys are masked without pii:read. */
  @FieldResolver(() => JSONObjectScalar)
  attributes(@Root() event: EventRecord, @Ctx() ctx: RequestContext): Record<string, unknown> {
    return attributesFor(event.attributes, hasScope(ctx.principal, 'pii:read'));
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'From the warehouse customer dimension (batched per request).' })
  customer(@Root() event: EventRecord, @Ctx() ctx: RequestContext): Promise<CustomerRecord | null> {
    return ctx.loaders.customer.load(event.customerId);
  }
}
