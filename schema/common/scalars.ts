import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { GraphQLJSON, GraphQLJSONObject, GraphQLSafeInt } from 'graphql-scalars';
import { isDay } from '../../src/util/days';

/**
 * Scalars. Dates and timestamps travel as strings, validated strictly: a calendar
 * day is 'YYYY-MM-DD' (UTC, partition-compatible), a DateTime is ISO 8601 with a
 * time zone, normalized to UTC with milliseconds.
 *
 * Parse failures throw plain TypeErrors: graphql-js then reports them with the
 * offending node, which lets the argument-errors plugin name the argument.
 */
function literalString(ast: ValueNode, scalar: string): string {
  if (ast.kind !== Kind.STRING) throw new TypeError(`${scalar} must be a string, e.g. ${scalar === 'Date' ? '"2026-01-31"' : '"2026-01-31T10:00:00Z"'}`);
  return ast.value;
}

export function parseDay(value: unknown): string {
  if (typeof value !== 'string' || !isDay(value)) {
    throw new TypeError(`Date must be a calendar day as "YYYY-MM-DD" (e.g. "2026-01-31"), got ${JSON.stringify(value)}`);
  }
  return value;
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseDateTime(value: unknown): string {
  if (typeof value !== 'string' || !ISO_DATETIME.test(value) || Number.isNaN(Date.parse(value)) || !isDay(value.slice(0, 10))) {
    throw new TypeError(`DateTime must be ISO 8601 with a time zone (e.g. "2026-01-31T10:00:00Z"), got ${JSON.stringify(value)}`);
  }
  return new Date(Date.parse(value)).toISOString();
}

export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar day, "YYYY-MM-DD" (UTC).',
  serialize: (value) => parseDay(value),
  parseValue: (value) => parseDay(value),
  parseLiteral: (ast) => parseDay(literalString(ast, 'Date')),
});

export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: 'An instant, ISO 8601 with a time zone; answered in UTC with milliseconds ("2026-01-31T10:00:00.000Z").',
  serialize: (value) => {
    if (value instanceof Date) return value.toISOString();
    return parseDateTime(value);
  },
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => parseDateTime(literalString(ast, 'DateTime')),
});

export { GraphQLJSON as JSONScalar, GraphQLJSONObject as JSONObjectScalar, GraphQLSafeInt as SafeIntScalar };
