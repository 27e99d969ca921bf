import { AppError, ErrorCode } from '../../errors/app-error';
import { renderSql, type SqlFragment, type SqlParam, type SqlParamType } from '../../ports/sql';
import { isDay } from '../../util/days';

/**
 * SQL for the Redshift Data API: named placeholders `:p1`, `:p2` ... with the
 * values in ExecuteStatement's Parameters. Data API parameter values are strings
 * (Redshift converts them), so every non-text value is cast in the SQL text:
 * `CAST(:p1 AS DATE)`. The API accepts neither NULL nor empty values, so those two
 * are written as constants (`CAST(NULL AS DATE)`, `''`): they carry no caller text,
 * so nothing a caller sends ever becomes SQL.
 */
export interface RedshiftStatement {
  text: string;
  parameters: Array<{ name: string; value: string }> | undefined;
}

const CASTS: Record<SqlParamType, string | undefined> = {
  varchar: undefined,
  bigint: 'BIGINT',
  double: 'DOUBLE PRECISION',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

const NULL_TYPES: Record<SqlParamType, string> = {
  varchar: 'VARCHAR',
  bigint: 'BIGINT',
  double: 'DOUBLE PRECISION',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function renderRedshiftSql(fragment: SqlFragment): RedshiftStatement {
  const parameters: Array<{ name: string; value: string }> = [];
  const { text } = renderSql(fragment, (_index, param) => {
    if (param.value === null) return `CAST(NULL AS ${NULL_TYPES[param.type]})`;
    const value = parameterValue(param);
    if (value === '') return "''";
    const name = `p${parameters.length + 1}`;
    parameters.push({ name, value });
    const cast = CASTS[param.type];
    return cast ? `CAST(:${name} AS ${cast})` : `:${name}`;
  });
  return { text, parameters: parameters.length > 0 ? parameters : undefined };
}

/** A parameter's value as the string the Data API carries. */
export function parameterValue(param: SqlParam): string {
  const { type, value } = param;
  switch (type) {
    case 'varchar':
      if (typeof value !== 'string') throw invalid(param, 'is not a string');
      return value;
    case 'bigint':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(param, 'is not a safe integer');
      return String(value);
    case 'double':
      if (typeof value !== 'number') throw invalid(param, 'is not a number');
      return String(value);
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid(param, 'is not a boolean');
      return value ? 'true' : 'false';
    case 'date':
      if (typeof value !== 'string' || !isDay(value)) throw invalid(param, 'is not a date (YYYY-MM-DD)');
      return value;
    case 'timestamp': {
      if (typeof value !== 'string' || !ISO_TIMESTAMP.test(value)) throw invalid(param, 'is not an ISO 8601 timestamp');
      const ms = Date.parse(/[Zz]|[+-]\d{2}:?\d{2}$/.test(value) || value.length === 10 ? value.replace(' ', 'T') : `${value.replace(' ', 'T')}Z`);
      if (Number.isNaN(ms)) throw invalid(param, 'is not an ISO 8601 timestamp');
      return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    }
  }
}

function invalid(param: SqlParam, problem: string): AppError {
  const shown = typeof param.value === 'string' && param.value.length > 40 ? `${param.value.slice(0, 40)}…` : String(param.value);
  return new AppError(ErrorCode.BAD_USER_INPUT, `A ${param.type} value ${JSON.stringify(shown)} ${problem}.`, { details: { parameterType: param.type } });
}
