import { Field, ObjectType } from 'type-graphql';
import { connectionTypes } from '../common/connection';
import { DateTimeScalar, JSONObjectScalar } from '../common/scalars';

@ObjectType('CatalogPartition')
export class CatalogPartition {
  @Field(() => [String], { description: 'Values in partition-key order, e.g. ["2026-01-31"].' })
  values!: string[];

  @Field(() => String, { nullable: true })
  location!: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  createTime!: string | null;

  @Field(() => JSONObjectScalar, { description: 'Partition parameters (statistics such as numRows, totalSize where known).' })
  parameters!: Record<string, string>;
}

export const { Connection: CatalogPartitionConnection } = connectionTypes('CatalogPartition', CatalogPartition, 'Partitions in partition-value order.');
