import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('CacheInvalidation', { description: 'What an invalidation dropped.' })
export class CacheInvalidation {
  @Field(() => [String], { description: 'The tags, normalized.' })
  tags!: string[];

  @Field(() => Int, { description: 'Cache entries dropped.' })
  deleted!: number;
}
