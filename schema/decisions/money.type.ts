import { Field, InputType, ObjectType } from 'type-graphql';

@ObjectType('Money', { description: 'An amount of money: an exact decimal and its ISO 4217 currency.' })
export class Money {
  @Field({ description: 'Decimal as a string, exact (e.g. "1250.00").' })
  value!: string;

  @Field({ description: 'ISO 4217 currency code (e.g. "EUR").' })
  currency!: string;
}

@InputType('MoneyInput')
export class MoneyInput {
  @Field({ description: 'Decimal as a string: digits, optional sign-free fraction of up to 6 digits (e.g. "1250.00").' })
  value!: string;

  @Field({ description: 'ISO 4217 currency code (e.g. "EUR").' })
  currency!: string;
}
