import { Arg, Authorized, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { DatasetFreshnessView, DayFreshness as DayFreshnessView } from '../src/loads/freshness';
import type { Services } from '../src/services/services';
import { DateScalar } from '../schema/common/scalars';
import { DatasetFreshness, DayFreshness } from '../schema/loads/dataset-freshness.type';

@Resolver(() => DatasetFreshness)
export class LoadResolver {
  constructor(private readonly services: Services) {}

  @Authorized('events:read')
  @Query(() => [DatasetFreshness], { description: 'Freshness of the lake and the warehouse: newest day, last load, lag, pending landing days, quarantined rows.' })
  datasetFreshness(): Promise<DatasetFreshnessView[]> {
    return this.services.loads.freshness();
  }

  @Authorized('loads:write')
  @Mutation(() => [DatasetFreshness], {
    description: 'Reloads these days now (landing -> lake -> warehouse; the warehouse day is replaced, the lake deduplicates), then answers with the freshness.',
  })
  loadDays(@Arg('days', () => [DateScalar]) days: string[]): Promise<DatasetFreshnessView[]> {
    return this.services.loads.loadDays(days);
  }

  @FieldResolver(() => [DayFreshness], { description: 'The last days up to the newest one, newest first.' })
  days(@Root() view: DatasetFreshnessView, @Arg('last', () => Int, { defaultValue: 7 }) last: number): Promise<DayFreshnessView[]> {
    return this.services.loads.days(view, last);
  }
}
