import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { hasScope } from '../src/auth/principal';
import type { RequestContext } from '../src/context/request-context';
import type { DeletionRequestView } from '../src/gdpr/deletion-view';
import type { Services } from '../src/services/services';
import type { Page } from '../src/util/pagination';
import { PageArgs } from '../schema/common/pagination.args';
import { DeletionRequestInput } from '../schema/gdpr/deletion-request.input';
import { DeletionRequest, DeletionRequestConnection } from '../schema/gdpr/deletion-request.type';
import { DeletionStatus } from '../schema/gdpr/deletion.enums';

@Resolver(() => DeletionRequest)
export class DeletionResolver {
  constructor(private readonly services: Services) {}

  @Authorized('gdpr:write')
  @Mutation(() => DeletionRequest, {
    description:
      'Records a GDPR erasure of a customer, durably, before answering; the customer is then erased from every store, verified and audited. ' +
      'Idempotent on input.idempotencyKey; a customer with an open request gets that request back ' +
      '(without requestedBy, reason and errors when another principal made it and the caller lacks gdpr:read).',
  })
  requestDeletion(@Arg('input', () => DeletionRequestInput) input: DeletionRequestInput, @Ctx() ctx: RequestContext): Promise<DeletionRequestView> {
    return this.services.deletions.request(input, ctx.principal.id, { readRequests: hasScope(ctx.principal, 'gdpr:read') });
  }

  @Authorized('gdpr:read')
  @Query(() => DeletionRequest, { nullable: true, description: 'A deletion request by id.' })
  deletionRequest(@Arg('id', () => ID) id: string): Promise<DeletionRequestView | null> {
    return this.services.deletions.get(id);
  }

  @Authorized('gdpr:read')
  @Query(() => DeletionRequestConnection, { description: 'Deletion requests, newest first, optionally with one status.' })
  deletionRequests(@Arg('status', () => DeletionStatus, { nullable: true }) status: DeletionStatus | null, @Args() page: PageArgs): Promise<Page<DeletionRequestView>> {
    return this.services.deletions.list({ status, first: page.first, after: page.after });
  }
}
