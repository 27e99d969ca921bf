/**
 * The subset of Glue's GetPartitions `Expression` the emulator understands: the
 * SQL-WHERE-like syntax the Glue docs describe (JSQLParser there):
 *   comparisons  = <> != > >= < <=   between two operands (keys, 'strings', numbers)
 *   key BETWEEN a AND b,  key [NOT] IN (a, b, ...),  key [NOT] LIKE 'pattern'
 *   AND, OR, NOT and parentheses.
 * Keys compare as numbers when the partition key has an integer type, as strings
 * otherwise (dates as YYYY-MM-DD strings compare correctly that way).
 */
export type PartitionPredicate = (values: Record<string, string>) => boolean;

export class ExpressionError extends Error {}

type Token = { kind: 'ident' | 'string' | 'number' | 'op' | 'punct' | 'keyword'; text: string };

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'LIKE', 'IS', 'NULL']);
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'int', 'integer', 'bigint']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new ExpressionError('Unterminated string literal');
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else value += text[i++];
      }
      tokens.push({ kind: 'string', text: value });
    } else if (/[0-9-]/.test(ch) && /[0-9]/.test(text[i + (ch === '-' ? 1 : 0)] ?? '')) {
      const m = /^-?\d+(\.\d+)?/.exec(text.slice(i))!;
      tokens.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_`]/.test(ch)) {
      const m = ch === '`' ? /^`([^`]+)`/.exec(text.slice(i)) : /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
      if (!m) throw new ExpressionError(`Unexpected character at ${i}`);
      const word = m[1] ?? m[0];
      tokens.push(ch !== '`' && KEYWORDS.has(word.toUpperCase()) ? { kind: 'keyword', text: word.toUpperCase() } : { kind: 'ident', text: word.toLowerCase() });
      i += m[0].length;
    } else {
      const m = /^(<>|!=|>=|<=|=|<|>)/.exec(text.slice(i));
      if (m) {
        tokens.push({ kind: 'op', text: m[0] });
        i += m[0].length;
      } else if (ch === '(' || ch === ')' || ch === ',') {
        tokens.push({ kind: 'punct', text: ch });
        i++;
      } else throw new ExpressionError(`Unexpected character ${JSON.stringify(ch)} at ${i}`);
    }
  }
  return tokens;
}

type Operand = (values: Record<string, string>) => { value: string | null; numeric: boolean };

/** Compiles an expression over the given partition keys (name -> Glue type). */
export function compilePartitionExpression(text: string, keys: Array<{ name: string; type: string }>): PartitionPredicate {
  const keyTypes = new Map(keys.map((k) => [k.name.toLowerCase(), k.type.toLowerCase()]));
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isKeyword = (word: string) => peek()?.kind === 'keyword' && peek()!.text === word;
  const expect = (kind: Token['kind'], text?: string) => {
    const t = tokens[pos];
    if (!t || t.kind !== kind || (text !== undefined && t.text !== text)) throw new ExpressionError(`Expected ${text ?? kind} at token ${pos}`);
    pos++;
    return t;
  };

  const operand = (): Operand => {
    const t = tokens[pos++];
    if (!t) throw new ExpressionError('Unexpected end of expression');
    if (t.kind === 'string') return () => ({ value: t.text, numeric: false });
    if (t.kind === 'number') return () => ({ value: t.text, numeric: true });
    if (t.kind === 'ident') {
      const type = keyTypes.get(t.text);
      if (type === undefined) throw new ExpressionError(`Unknown partition key: ${t.text}`);
      const numeric = INTEGER_TYPES.has(type);
      return (values) => ({ value: values[t.text] ?? null, numeric });
    }
    throw new ExpressionError(`Unexpected token ${JSON.stringify(t.text)}`);
  };

  const compare = (a: ReturnType<Operand>, b: ReturnType<Operand>): number | null => {
    if (a.value === null || b.value === null) return null;
    if (a.numeric || b.numeric) {
      const x = Number(a.value);
      const y = Number(b.value);
      if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
    }
    return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  };

  const comparison = (): PartitionPredicate => {
    const left = operand();
    const negated = isKeyword('NOT') ? (pos++, true) : false;
    let test: PartitionPredicate;
    if (isKeyword('BETWEEN')) {
      pos++;
      const low = operand();
      expect('keyword', 'AND');
      const high = operand();
      test = (v) => {
        const a = compare(left(v), low(v));
        const b = compare(left(v), high(v));
        return a !== null && b !== null && a >= 0 && b <= 0;
      };
    } else if (isKeyword('IN')) {
      pos++;
      expect('punct', '(');
      const list: Operand[] = [operand()];
      while (peek()?.text === ',') {
        pos++;
        list.push(operand());
      }
      expect('punct', ')');
      test = (v) => list.some((o) => compare(left(v), o(v)) === 0);
    } else if (isKeyword('LIKE')) {
      pos++;
      const pattern = operand();
      test = (v) => {
        const l = left(v).value;
        const p = pattern(v).value;
        if (l === null || p === null) return false;
        const source = [...p].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('');
        return new RegExp(`^${source}$`, 'su').test(l);
      };
    } else if (isKeyword('IS')) {
      pos++;
      const not = isKeyword('NOT') ? (pos++, true) : false;
      expect('keyword', 'NULL');
      test = (v) => (left(v).value === null) !== not;
    } else {
      if (negated) throw new ExpressionError('NOT must precede BETWEEN, IN or LIKE here');
      const op = expect('op').text;
      const right = operand();
      return (v) => {
        const c = compare(left(v), right(v));
        if (c === null) return false;
        switch (op) {
          case '=':
            return c === 0;
          case '<>':
          case '!=':
            return c !== 0;
          case '>':
            return c > 0;
          case '>=':
            return c >= 0;
          case '<':
            return c < 0;
          default:
            return c <= 0;
        }
      };
    }
    return negated ? (v) => !test(v) : test;
  };

  const primary = (): PartitionPredicate => {
    if (isKeyword('NOT')) {
      pos++;
      const inner = primary();
      return (v) => !inner(v);
    }
    if (peek()?.text === '(' && peek()?.kind === 'punct') {
      pos++;
      const inner = or();
      expect('punct', ')');
      return inner;
    }
    return comparison();
  };
  const and = (): PartitionPredicate => {
    let left = primary();
    while (isKeyword('AND')) {
      pos++;
      const l = left;
      const r = primary();
      left = (v) => l(v) && r(v);
    }
    return left;
  };
  const or = (): PartitionPredicate => {
    let left = and();
    while (isKeyword('OR')) {
      pos++;
      const l = left;
      const r = and();
      left = (v) => l(v) || r(v);
    }
    return left;
  };

  const predicate = or();
  if (pos !== tokens.length) throw new ExpressionError(`Unexpected token ${JSON.stringify(tokens[pos]!.text)}`);
  return predicate;
}
