import { Field, ID, InputType } from 'type-graphql';

@InputType('DeletionRequestInput')
export class DeletionRequestInput {
  @Field(() => ID, { description: 'The customer to erase.' })
  customerId!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "Why (free text, 1-500 characters, kept verbatim in the audit record). Must hold no personal data: a reason with an email address, a phone number (8-15 digits), the customer's id or the customer's name is refused with BAD_USER_INPUT saying what was found; refer to tickets by a reference such as #4711.",
  })
  reason?: string | null;

  @Field(() => String, { nullable: true, description: 'Retries with the same key return the same request (1-128 characters).' })
  idempotencyKey?: string | null;
}
