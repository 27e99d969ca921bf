import { Arg, Args, Authorized, Query, Resolver } from 'type-graphql';
import type { CostReportRecord, PricedJobRun } from '../src/services/cost/cost.service';
import type { Services } from '../src/services/services';
import type { Page } from '../src/util/pagination';
import { PageArgs } from '../schema/common/pagination.args';
import { DateTimeScalar } from '../schema/common/scalars';
import { CostReport } from '../schema/cost/cost-report.type';
import { GlueJobRunFilter } from '../schema/cost/glue-job-run-filter.input';
import { GlueJobRunConnection } from '../schema/cost/glue-job-run.type';

@Resolver()
export class CostResolver {
  constructor(private readonly services: Services) {}

  @Authorized('cost:read')
  @Query(() => GlueJobRunConnection, { description: 'Glue job runs, newest first, priced and checked against the thresholds.' })
  glueJobRuns(
    @Arg('filter', () => GlueJobRunFilter, { nullable: true }) filter: GlueJobRunFilter | null,
    @Args() page: PageArgs,
  ): Promise<Page<PricedJobRun>> {
    return this.services.cost.runs(filter, page.first, page.after);
  }

  @Authorized('cost:read')
  @Query(() => CostReport, { description: 'Glue cost per job, longest runs, violations and lakegate\'s own query costs in [from, to].' })
  costReport(@Arg('from', () => DateTimeScalar) from: string, @Arg('to', () => DateTimeScalar) to: string): Promise<CostReportRecord> {
    return this.services.cost.report(from, to);
  }
}
