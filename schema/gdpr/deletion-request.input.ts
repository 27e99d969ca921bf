import { Field, ID, InputType } from 'type-graphql';

@InputType('DeletionRequestInput')
export class DeletionRequestInput {
  @Field(() => ID, { description: 'The customer to erase.' })
  customerId!: string;

  @Field(() => String, { nullable: true, description: 'Why (free text, kept in the audit record; do not put personal data here).' })
  reason?: string | null;

  @Field(() => String, { nullable: true, description: 'Retries with the same key return the same request (1-128 characters).' })
  idempotencyKey?: string | null;
}
