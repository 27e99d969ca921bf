import { AppError, ErrorCode } from '../../errors/app-error';
import { renderSql, type SqlFragment, type SqlParam, type SqlParamType } from '../../ports/sql';
import { isDay } from '../../util/days';

/**
 * SQL for Athena: `?` placeholders in the text, values in ExecutionParameters.
 *
 * Athena applies execution parameters the way `EXECUTE ... USING` does: each value
 * is one SQL literal, parsed on its own and bound to its `?`. So a string must be
 * written as a quoted literal (`'O''Brien'`), a date as `DATE '2026-01-31'`, and so
 * on. Every value is rendered here from its declared type and checked first:
 * strings are the only free text, and inside single quotes with quotes doubled
 * they cannot end the literal, so no value can become SQL.
 *
 * Athena's documented limits on execution parameters: only in SELECT, INSERT INTO,
 * CTAS and UNLOAD statements, and only in WHERE clauses. A value anywhere else (a
 * SELECT list, JOIN ... ON, HAVING, a DELETE) is written into the text as that same
 * checked literal — exactly what Athena would have substituted, so it is no less
 * safe; values in WHERE clauses, i.e. all filters the services build, stay
 * parameters.
 */
export interface AthenaStatement {
  text: string;
  /** Undefined when the query has no parameters (Athena rejects an empty list). */
  executionParameters: string[] | undefined;
}

/** Athena's limit on one execution parameter. */
export const MAX_EXECUTION_PARAMETER_LENGTH = 1024;

const TYPE_NAMES: Record<SqlParamType, string> = {
  varchar: 'VARCHAR',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

/** Statements that accept execution parameters (WITH and VALUES are queries too). */
const PARAMETERIZABLE = new Set(['SELECT', 'WITH', 'VALUES', 'INSERT', 'UNLOAD', 'CREATE']);

export function renderAthenaSql(fragment: SqlFragment): AthenaStatement {
  const marker = '\u0000?\u0000';
  const { text: marked, params } = renderSql(fragment, () => marker);
  const parts = marked.split(marker);
  const skeleton = parts.join('?');
  const clauses = placeholderClauses(skeleton);
  const parameterizable = PARAMETERIZABLE.has(firstWord(skeleton));
  let text = parts[0]!;
  const executionParameters: string[] = [];
  params.forEach((param, i) => {
    const literal = athenaLiteral(param);
    if (parameterizable && clauses[i] === 'WHERE') {
      text += '?';
      executionParameters.push(literal);
    } else {
      text += literal;
    }
    text += parts[i + 1]!;
  });
  return { text, executionParameters: executionParameters.length > 0 ? executionParameters : undefined };
}

/** One parameter as the SQL literal Athena expects in ExecutionParameters. */
export function athenaLiteral(param: SqlParam): string {
  const literal = render(param);
  if (literal.length > MAX_EXECUTION_PARAMETER_LENGTH) {
    throw invalid(param, `is longer than Athena accepts for a parameter (${MAX_EXECUTION_PARAMETER_LENGTH} characters with quotes)`);
  }
  return literal;
}

function render(param: SqlParam): string {
  const { type, value } = param;
  if (value === null) return `CAST(NULL AS ${TYPE_NAMES[type]})`;
  switch (type) {
    case 'varchar':
      if (typeof value !== 'string') throw invalid(param, 'is not a string');
      if (value.includes('\u0000')) throw invalid(param, 'contains a NUL character');
      return `'${value.replace(/'/g, "''")}'`;
    case 'bigint':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(param, 'is not a safe integer');
      return `CAST(${value} AS BIGINT)`;
    case 'double':
      if (typeof value !== 'number') throw invalid(param, 'is not a number');
      // Through a string: NaN and Infinity have no numeric literal in Trino.
      return `CAST('${String(value)}' AS DOUBLE)`;
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid(param, 'is not a boolean');
      return value ? 'true' : 'false';
    case 'date':
      if (typeof value !== 'string' || !isDay(value)) throw invalid(param, 'is not a date (YYYY-MM-DD)');
      return `DATE '${value}'`;
    case 'timestamp':
      return `TIMESTAMP '${sqlTimestamp(param)}'`;
  }
}

const CLAUSES = new Set(['SELECT', 'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'ON', 'USING', 'JOIN', 'VALUES', 'SET', 'WINDOW', 'UNION', 'INTERSECT', 'EXCEPT', 'RETURNING']);

/**
 * For each `?` of trusted SQL text (our own, values are not in it yet), the clause
 * it sits in: the last clause keyword at its parenthesis depth, or, when there is
 * none at that depth (an IN list, a function call), the enclosing depth's clause.
 */
export function placeholderClauses(text: string): string[] {
  const out: string[] = [];
  const stack: Array<string | undefined> = [undefined];
  const clauseAt = () => {
    for (let d = stack.length - 1; d >= 0; d--) if (stack[d] !== undefined) return stack[d]!;
    return '';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length && !(text[j] === c && text[j + 1] !== c)) j += text[j] === c ? 2 : 1;
      i = j + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === '(') {
      stack.push(undefined);
      i++;
    } else if (c === ')') {
      if (stack.length > 1) stack.pop();
      i++;
    } else if (c === '?') {
      out.push(clauseAt());
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_$]/.test(text[j]!)) j++;
      const word = text.slice(i, j).toUpperCase();
      if (CLAUSES.has(word)) stack[stack.length - 1] = word;
      i = j;
    } else {
      i++;
    }
  }
  return out;
}

function firstWord(text: string): string {
  const code = text.replace(/^(\s|--[^\n]*\n?|\/\*[\s\S]*?\*\/|\()*/, '');
  return (/^[A-Za-z]+/.exec(code)?.[0] ?? '').toUpperCase();
}

/**
 * ISO 8601 (any offset) -> 'YYYY-MM-DD HH:MM:SS.fff' in UTC, the form Trino and
 * Redshift parse. Every fraction digit given is kept (at least 3): Iceberg
 * timestamps hold microseconds, and a value rounded to milliseconds would compare
 * unequal to the row it came from (keyset cursors).
 */
export function sqlTimestamp(param: SqlParam): string {
  const { value } = param;
  const match = typeof value === 'string' ? /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(value) : null;
  if (!match) throw invalid(param, 'is not an ISO 8601 timestamp');
  const [, day, hm = '00:00', ss = '00', fraction = '', zone] = match;
  const offset = !zone || zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  // Whole seconds through Date (the offset is whole minutes), the fraction as written.
  const seconds = Date.parse(`${day}T${hm}:${ss}${offset}`);
  if (Number.isNaN(seconds)) throw invalid(param, 'is not an ISO 8601 timestamp');
  return `${new Date(seconds).toISOString().slice(0, 19).replace('T', ' ')}.${fraction.padEnd(3, '0')}`;
}

function invalid(param: SqlParam, problem: string): AppError {
  const shown = typeof param.value === 'string' && param.value.length > 40 ? `${param.value.slice(0, 40)}…` : String(param.value);
  return new AppError(ErrorCode.BAD_USER_INPUT, `A ${param.type} value ${JSON.stringify(shown)} ${problem}.`, {
    details: { parameterType: param.type },
  });
}
