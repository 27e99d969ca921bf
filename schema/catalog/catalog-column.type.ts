import { Field, ObjectType } from 'type-graphql';

@ObjectType('CatalogColumn')
export class CatalogColumn {
  @Field()
  name!: string;

  @Field({ description: 'Type as the catalog writes it (e.g. "bigint", "array<string>").' })
  type!: string;

  @Field(() => String, { nullable: true })
  comment!: string | null;
}
