import { registerEnumType } from 'type-graphql';

export enum TableType {
  EXTERNAL_TABLE = 'EXTERNAL_TABLE',
  MANAGED_TABLE = 'MANAGED_TABLE',
  VIRTUAL_VIEW = 'VIRTUAL_VIEW',
}
registerEnumType(TableType, { name: 'TableType' });
