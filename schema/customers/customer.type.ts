import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('Customer', { description: "A customer from the warehouse's customer dimension." })
export class Customer {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Enterprise, SMB, Reseller or Partner.' })
  customerType!: string;

  @Field({ description: 'ISO 3166-1 alpha-2 country code.' })
  country!: string;

  @Field({ description: 'Personal data: "***" unless the caller has the pii:read scope.' })
  name!: string;

  @Field({ description: 'Personal data: "***" unless the caller has the pii:read scope.' })
  email!: string;

  @Field({ description: 'True when name and email are masked for this caller.' })
  piiMasked!: boolean;
}
