import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../src/context/request-context';
import type { StoredDecision } from '../src/ports/decision-store';
import type { CustomerRecord } from '../src/services/customers/customer.service';
import type { Services } from '../src/services/services';
import type { Page } from '../src/util/pagination';
import { PageArgs } from '../schema/common/pagination.args';
import { DateTimeScalar } from '../schema/common/scalars';
import { Customer } from '../schema/customers/customer.type';
import { Decision, DecisionConnection } from '../schema/decisions/decision.type';
import { RecordDecisionInput } from '../schema/decisions/record-decision.input';

@Resolver(() => Decision)
export class DecisionResolver {
  constructor(private readonly services: Services) {}

  @Authorized('decisions:read')
  @Query(() => Decision, { nullable: true, description: 'A decision by id.' })
  decision(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<StoredDecision | null> {
    return ctx.loaders.decision.load(this.services.decisions.checkedId('id', id));
  }

  @Authorized('decisions:read')
  @Query(() => [Decision], { description: "A transaction's decisions, oldest first." })
  decisionsByTransaction(@Arg('transactionId', () => ID) transactionId: string): Promise<StoredDecision[]> {
    return this.services.decisions.byTransaction(transactionId);
  }

  @Authorized('decisions:read')
  @Query(() => DecisionConnection, { description: "A customer's decisions, newest first, optionally within [from, to]." })
  customerDecisions(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('from', () => DateTimeScalar, { nullable: true }) from: string | null,
    @Arg('to', () => DateTimeScalar, { nullable: true }) to: string | null,
    @Args() page: PageArgs,
  ): Promise<Page<StoredDecision>> {
    return this.services.decisions.byCustomer({ customerId, from, to, first: page.first, after: page.after });
  }

  @Authorized('decisions:write')
  @Mutation(() => Decision, { description: 'Records a decision, durably, before answering. Idempotent on input.id.' })
  recordDecision(@Arg('input', () => RecordDecisionInput) input: RecordDecisionInput): Promise<StoredDecision> {
    return this.services.decisions.record(input);
  }

  @FieldResolver(() => Customer, { nullable: true, description: 'From the warehouse customer dimension (batched per request).' })
  customer(@Root() decision: StoredDecision, @Ctx() ctx: RequestContext): Promise<CustomerRecord | null> {
    return ctx.loaders.customer.load(decision.customerId);
  }
}
