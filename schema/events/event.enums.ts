import { registerEnumType } from 'type-graphql';

export enum EventSeverity {
  INFO = 'INFO',
  LOW = 'LOW',
  MEDIUM = 'MEDIUM',
  HIGH = 'HIGH',
  CRITICAL = 'CRITICAL',
}
export enum StatsInterval {
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}
export enum StatsGroupBy {
  CUSTOMER_TYPE = 'CUSTOMER_TYPE',
  EVENT_TYPE = 'EVENT_TYPE',
  CUSTOMER = 'CUSTOMER',
}
export enum StatsSource {
  WAREHOUSE = 'WAREHOUSE',
  LAKE = 'LAKE',
}

registerEnumType(EventSeverity, { name: 'EventSeverity' });
registerEnumType(StatsInterval, { name: 'StatsInterval', description: 'Period of eventStats: DAY, WEEK (ISO weeks, starting Monday) or MONTH.' });
registerEnumType(StatsGroupBy, { name: 'StatsGroupBy', description: 'Dimension to group eventStats by.' });
registerEnumType(StatsSource, {
  name: 'StatsSource',
  description: 'Where eventStats are computed: the curated daily aggregates in the warehouse (cheap) or the raw lake. Both give the same numbers.',
});
