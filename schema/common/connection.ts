import { Field, ObjectType, type ClassType } from 'type-graphql';
import { PageInfo } from './page-info.type';
import { SafeIntScalar } from './scalars';

/**
 * Relay connection types for a node type: `<Name>Connection { edges { cursor node }
 * pageInfo totalCount }`. totalCount is computed only when asked for (services
 * hand a function; GraphQL's default resolver calls it).
 */
export function connectionTypes<T extends object>(name: string, node: ClassType<T>, description: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field({ description: 'Opaque cursor: pass it as `after` to get the items after this one.' })
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description })
  class Connection {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => SafeIntScalar, { nullable: true, description: 'Total number of items matching the arguments (runs a count; ask only when needed).' })
    totalCount?: number;
  }

  return { Edge, Connection };
}
