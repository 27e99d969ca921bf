import { Field, ObjectType } from 'type-graphql';
import { connectionTypes } from '../common/connection';
import { DateTimeScalar, JSONObjectScalar } from '../common/scalars';
import { CatalogColumn } from './catalog-column.type';
import { TableType } from './catalog.enums';

@ObjectType('CatalogTable', { description: 'A table or view of the data catalog.' })
export class CatalogTable {
  @Field({ description: 'Account id of the catalog holding the table.' })
  catalogId!: string;

  @Field()
  database!: string;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => TableType)
  tableType!: TableType;

  @Field(() => String, { nullable: true, description: 'parquet, hudi, iceberg, delta, json, csv, orc, avro; null for views.' })
  format!: string | null;

  @Field(() => String, { nullable: true })
  location!: string | null;

  @Field(() => String, { nullable: true })
  owner!: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  createTime!: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  updateTime!: string | null;

  @Field(() => [CatalogColumn])
  columns!: CatalogColumn[];

  @Field(() => [CatalogColumn])
  partitionKeys!: CatalogColumn[];

  @Field(() => JSONObjectScalar)
  parameters!: Record<string, string>;

  @Field(() => String, { nullable: true, description: 'SQL of a view (VIRTUAL_VIEW); null for tables.' })
  viewText!: string | null;
}

export const { Connection: CatalogTableConnection } = connectionTypes('CatalogTable', CatalogTable, 'Tables of a database, by name.');
