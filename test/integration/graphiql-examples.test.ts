// The example tabs GraphiQL opens with: well-formed GraphQL, one example for every
// root field of the public contract, and variables for every operation. Whether the
// selections match the real schema is checked against the schema itself, where the
// schema is built.
import { Kind, parse, type OperationDefinitionNode, type TypeNode } from 'graphql';
import { buildExampleTabs, WRITE_BANNER, type ExampleValues } from '../../src/server/graphiql-app/examples';

const CONTRACT_ROOT_FIELDS = [
  'decision',
  'decisionsByTransaction',
  'customerDecisions',
  'events',
  'eventStats',
  'catalogDatabases',
  'catalogTable',
  'glueJobRuns',
  'costReport',
  'deletionRequest',
  'deletionRequests',
  'recordDecision',
  'requestDeletion',
];

function operationsOf(query: string): OperationDefinitionNode[] {
  return parse(query).definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
}

function rootFieldsOf(operation: OperationDefinitionNode): string[] {
  return operation.selectionSet.selections.flatMap((selection) => (selection.kind === Kind.FIELD ? [selection.name.value] : []));
}

const isNonNull = (type: TypeNode): boolean => type.kind === Kind.NON_NULL_TYPE;

const VALUES: ExampleValues = {
  window: { oldestDay: '2025-09-05', newestDay: '2026-03-04' }, // a Friday to a Wednesday
  customerId: 'cus_000042',
  decisionId: 'dec_000007',
  transactionId: 'txn_000007',
  database: 'lake',
  table: 'events',
  eraseCustomerId: 'cus_000199',
  deletionRequestId: 'del_1',
  newDecisionId: 'dec_graphiql_abc',
};

describe('GraphiQL example tabs', () => {
  const now = new Date('2026-05-04T10:00:00Z'); // two months after the data ends
  const tabs = buildExampleTabs(VALUES, now);

  it('cover every root field of the public contract', () => {
    const used = new Set(tabs.flatMap((tab) => operationsOf(tab.query).flatMap(rootFieldsOf)));
    expect(CONTRACT_ROOT_FIELDS.filter((field) => !used.has(field))).toEqual([]);
  });

  it('name every operation, uniquely, and give every required variable a value', () => {
    const names: string[] = [];
    for (const tab of tabs) {
      for (const operation of operationsOf(tab.query)) {
        expect(operation.name?.value).toMatch(/^[A-Z]\w+$/);
        names.push(operation.name!.value);
        const missing = (operation.variableDefinitions ?? [])
          .filter((definition) => isNonNull(definition.type) && tab.variables[definition.variable.name.value] === undefined)
          .map((definition) => `${operation.name!.value}: $${definition.variable.name.value}`);
        expect(missing).toEqual([]);
      }
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('open each read tab on a query; every tab with a mutation is a write tab, marked as such', () => {
    for (const tab of tabs) {
      const operations = operationsOf(tab.query);
      const mutates = operations.some((operation) => operation.operation === 'mutation');
      expect({ tab: tab.title, mutates }).toEqual({ tab: tab.title, mutates: tab.writes });
      if (tab.writes) {
        expect(tab.query.startsWith(WRITE_BANNER)).toBe(true);
        expect(tab.title).toMatch(/\(write\)$/);
        expect(operations.every((operation) => operation.name!.value.startsWith('Write'))).toBe(true);
      } else {
        expect(tab.query).not.toContain(WRITE_BANNER);
        expect(operations[0]!.operation).toBe('query');
      }
    }
    // The writes come last, after every read.
    expect(tabs.map((tab) => tab.writes)).toEqual([false, false, false, false, false, false, true, true, true]);
  });

  it('date their variables from the data window, not the calendar', () => {
    const events = tabs.find((tab) => tab.title === 'Events')!.variables;
    expect(events.filter).toEqual({ from: '2026-02-26', to: '2026-03-04' });
    // Full weeks (Monday to Sunday) up to the window's last full week, from its first full week (30 at most).
    expect({ from: events.from, to: events.to }).toEqual({ from: '2025-09-08', to: '2026-03-01' });
    const long = buildExampleTabs({ ...VALUES, window: { oldestDay: '2024-01-01', newestDay: '2026-03-04' } }, now)[0]!.variables;
    expect({ from: long.from, to: long.to }).toEqual({ from: '2025-08-04', to: '2026-03-01' }); // 30 weeks
    const decisions = tabs.find((tab) => tab.title === 'Decisions')!.variables;
    expect(decisions).toMatchObject({ customerId: 'cus_000042', from: '2025-09-05T00:00:00.000Z', to: '2026-03-05T00:00:00.000Z', decisionId: 'dec_000007', transactionId: 'txn_000007' });
    // The cost of the window's last week, up to now: lakegate's own queries (made now) are in it.
    const cost = tabs.find((tab) => tab.title === 'Cost')!.variables;
    expect({ from: cost.from, to: cost.to }).toEqual({ from: '2026-02-26T00:00:00.000Z', to: '2026-05-05T00:00:00.000Z' });
    expect(tabs.find((tab) => tab.title === 'Reload days (write)')!.variables).toEqual({ days: ['2026-03-04'] });
  });

  it('write only what is safe: a new decision id per page load, the reserved demo customer for the erasure', () => {
    const record = tabs.find((tab) => tab.title === 'Record decision (write)')!.variables.input as Record<string, unknown>;
    expect(record).toMatchObject({ id: 'dec_graphiql_abc', transactionId: 'dec_graphiql_abc-txn', customerId: 'cus_000042' });
    expect(buildExampleTabs({ ...VALUES, newDecisionId: 'dec_graphiql_def' }, now).find((tab) => tab.writes)!.variables.input).toMatchObject({ id: 'dec_graphiql_def' });
    const erase = tabs.find((tab) => tab.title === 'Erase a customer (write)')!.variables.input as Record<string, unknown>;
    expect(erase.customerId).toBe('cus_000199');
    // No other tab names the customer to erase.
    expect(tabs.filter((tab) => tab.title !== 'Erase a customer (write)').map((tab) => JSON.stringify(tab.variables)).join()).not.toContain('cus_000199');
  });

  it('without values from the server: the 180 days up to yesterday and placeholder ids', () => {
    const fallback = buildExampleTabs(undefined, new Date('2026-03-04T10:00:00Z'));
    expect(fallback.find((tab) => tab.title === 'Events')!.variables.filter).toEqual({ from: '2026-02-25', to: '2026-03-03' });
    expect(fallback.find((tab) => tab.title === 'Decisions')!.variables.customerId).toMatch(/^paste-/);
  });

  it('are plain JSON (GraphiQL shows the variables as JSON text)', () => {
    for (const tab of tabs) expect(JSON.parse(JSON.stringify(tab.variables))).toEqual(tab.variables);
  });
});
