/**
 * SQL as services write it: text with typed parameters, never interpolated.
 *
 * Services build a `SqlFragment` with the `sql` tag; each engine adapter renders it
 * in its own placeholder style (DuckDB `$1`, Athena `?` with ExecutionParameters,
 * Redshift Data `:p1` with named Parameters). The SQL text itself is kept to the
 * subset that DuckDB, Trino (Athena) and Redshift all accept (CAST, date_trunc,
 * COUNT/SUM, IN lists, LIMIT); relation names come from the engine, never from
 * user input.
 */
export type SqlParamType = 'varchar' | 'bigint' | 'double' | 'boolean' | 'date' | 'timestamp';

export interface SqlParam {
  readonly kind: 'param';
  readonly type: SqlParamType;
  /** date: 'YYYY-MM-DD'; timestamp: ISO 8601 in UTC; others as their JS value. */
  readonly value: string | number | boolean | null;
}

/** A trusted piece of SQL text (identifiers and relations built by our own code). */
export interface SqlRaw {
  readonly kind: 'raw';
  readonly text: string;
}

export type SqlPart = SqlFragment | SqlParam | SqlRaw;

export interface SqlFragment {
  readonly kind: 'fragment';
  readonly strings: readonly string[];
  readonly values: readonly SqlPart[];
}

/** `sql\`SELECT ... WHERE day >= ${p.date(from)}\`` — every interpolation must be a param, raw or fragment. */
export function sql(strings: TemplateStringsArray | readonly string[], ...values: SqlPart[]): SqlFragment {
  for (const value of values) {
    if (!value || typeof value !== 'object' || !('kind' in value)) {
      throw new TypeError('sql: interpolate only p.*(), raw() or sql fragments, never plain values');
    }
  }
  return { kind: 'fragment', strings: [...strings], values };
}

/** Trusted SQL text. Only for text our own code builds, never for user input. */
export function raw(text: string): SqlRaw {
  return { kind: 'raw', text };
}

/** Joins fragments with a separator, e.g. join(conditions, ' AND '). */
export function join(parts: SqlPart[], separator: string): SqlFragment {
  if (parts.length === 0) return sql(['']);
  const strings = [''];
  for (let i = 1; i < parts.length; i++) strings.push(separator);
  strings.push('');
  return sql(strings, ...parts);
}

export const p = {
  str: (value: string): SqlParam => ({ kind: 'param', type: 'varchar', value }),
  int: (value: number): SqlParam => {
    if (!Number.isSafeInteger(value)) throw new TypeError(`p.int: ${value} is not a safe integer`);
    return { kind: 'param', type: 'bigint', value };
  },
  num: (value: number): SqlParam => ({ kind: 'param', type: 'double', value }),
  bool: (value: boolean): SqlParam => ({ kind: 'param', type: 'boolean', value }),
  date: (value: string): SqlParam => ({ kind: 'param', type: 'date', value }),
  timestamp: (value: string): SqlParam => ({ kind: 'param', type: 'timestamp', value }),
  /** `(a, b, c)` for IN lists; an empty list is a programming error (guard before). */
  list: (values: SqlParam[]): SqlFragment => {
    if (values.length === 0) throw new TypeError('p.list: empty IN list');
    return sql(['(', ...values.slice(1).map(() => ', '), ')'], ...values);
  },
};

export interface RenderedSql {
  text: string;
  params: SqlParam[];
}

/**
 * Flattens a fragment: `placeholder(i, param)` gives the text for the i-th (0-based)
 * parameter, e.g. `$${i + 1}`.
 */
export function renderSql(fragment: SqlFragment, placeholder: (index: number, param: SqlParam) => string): RenderedSql {
  const params: SqlParam[] = [];
  const walk = (f: SqlFragment): string => {
    let text = f.strings[0] ?? '';
    f.values.forEach((value, i) => {
      if (value.kind === 'fragment') text += walk(value);
      else if (value.kind === 'raw') text += value.text;
      else {
        text += placeholder(params.length, value);
        params.push(value);
      }
      text += f.strings[i + 1] ?? '';
    });
    return text;
  };
  return { text: walk(fragment), params };
}

/** Quotes an identifier that our own code chose (table, schema, column names). */
export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(name)) throw new TypeError(`quoteIdent: refusing identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
}
