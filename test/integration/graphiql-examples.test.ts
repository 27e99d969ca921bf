// The example tabs GraphiQL opens with: well-formed GraphQL, one example for every
// root field of the public contract, and variables for every operation. Whether the
// selections match the real schema is checked against the schema itself, where the
// schema is built.
import { Kind, parse, type OperationDefinitionNode, type TypeNode } from 'graphql';
import { buildExampleTabs } from '../../src/server/graphiql-app/examples';

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

describe('GraphiQL example tabs', () => {
  const tabs = buildExampleTabs(new Date('2026-03-04T10:00:00Z')); // a Wednesday

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

  it('open each tab on a read: mutations never run by default', () => {
    for (const tab of tabs) {
      const [first] = operationsOf(tab.query);
      if (tab.title === 'Record decision') expect(first!.operation).toBe('mutation');
      else expect({ tab: tab.title, operation: first!.operation }).toEqual({ tab: tab.title, operation: 'query' });
    }
  });

  it('date their variables from today: last week of events, 30 full weeks of stats, last week of cost', () => {
    const events = tabs.find((tab) => tab.title === 'Events')!.variables;
    expect(events.filter).toEqual({ from: '2026-02-25', to: '2026-03-03' });
    // Monday 30 weeks before this week's Monday, to last Sunday (the analytics team's window).
    expect({ from: events.from, to: events.to }).toEqual({ from: '2025-08-04', to: '2026-03-01' });
    const cost = tabs.find((tab) => tab.title === 'Cost')!.variables;
    expect({ from: cost.from, to: cost.to }).toEqual({ from: '2026-02-23T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' });
  });

  it('are plain JSON (GraphiQL shows the variables as JSON text)', () => {
    for (const tab of tabs) expect(JSON.parse(JSON.stringify(tab.variables))).toEqual(tab.variables);
  });
});
