import { Field, ObjectType } from 'type-graphql';
import { DateTimeScalar } from '../common/scalars';

@ObjectType('CatalogDatabase', { description: 'A database of the data catalog.' })
export class CatalogDatabase {
  @Field({ description: 'Account id of the catalog holding the database.' })
  catalogId!: string;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => String, { nullable: true })
  locationUri!: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  createTime!: string | null;
}
