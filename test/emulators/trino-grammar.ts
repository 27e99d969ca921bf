import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';

/**
 * Independent SQL grammars for the Athena emulator: the Trino grammar (Athena engine
 * version 3 runs DML and queries on Trino) and the Hive grammar (Athena runs its DDL
 * through Hive), both from the dt-sql-parser package (ANTLR 4, antlr4ng runtime).
 *
 * dt-sql-parser's ESM build imports directories (`from './parser'`), which Node's ESM
 * loader refuses, so the two grammars are bundled once with esbuild into one CommonJS
 * file under node_modules/.cache (keyed by the package versions) and required from
 * there; later processes reuse the file. Loading it takes ~0.2-0.3 s and the first
 * statement ~0.6-1 s (ANTLR builds its prediction tables); after that a statement
 * costs ~1 ms (p95 ~3-5 ms), and a statement seen before nothing.
 *
 * Parsing follows Trino's SqlParser: SLL prediction first, LL only when SLL reports
 * an error (SLL can fail on valid input, never accept invalid input), and errors are
 * reported as Trino words them: `line L:C: mismatched input 'X'. Expecting: ...`
 * (column 1-based). Results are cached by statement text.
 */

export interface GrammarToken {
  /** Symbolic token name (IDENTIFIER, STRING, SELECT, EQ, ...) or the literal text for punctuation. */
  type: string;
  text: string;
  line: number;
  /** 1-based, as Trino reports it. */
  column: number;
  /** Offset of the first character in the text. */
  start: number;
}

export interface SyntaxProblem {
  line: number;
  column: number;
  message: string;
}

export interface GrammarResult {
  /** Syntax errors, first one first (Trino stops at the first). */
  problems: SyntaxProblem[];
  /** Tokens on the default channel (no whitespace, no comments), EOF excluded. */
  tokens: GrammarToken[];
}

export type GrammarName = 'trino' | 'hive';

interface Bundle {
  TrinoSQL: new () => any;
  HiveSQL: new () => any;
  CharStreams: { fromString(text: string): any };
  CommonTokenStream: new (lexer: any) => any;
  PredictionMode: { SLL: number; LL: number };
  Token: { EOF: number; DEFAULT_CHANNEL: number };
}

let bundle: Bundle | undefined;
const grammars = new Map<GrammarName, any>();

function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

function version(dir: string): string {
  return String(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version);
}

/** The bundled grammars, built on first use (and cached on disk across processes). */
export function loadGrammarBundle(): Bundle {
  if (bundle) return bundle;
  const dtDir = packageDir('dt-sql-parser');
  const entry = [
    `export { TrinoSQL } from './dist/parser/trino/index.js';`,
    `export { HiveSQL } from './dist/parser/hive/index.js';`,
    `export { CharStreams, CommonTokenStream, PredictionMode, Token } from 'antlr4ng';`,
  ].join('\n');
  // Resolved from dt-sql-parser's own directory, so the runtime is the one it was built against.
  const antlrDir = [path.join(dtDir, 'node_modules', 'antlr4ng'), path.join(dtDir, '..', 'antlr4ng')].find((dir) => existsSync(path.join(dir, 'package.json')));
  if (!antlrDir) throw new Error('dt-sql-parser is installed without its antlr4ng runtime');
  const esbuildVersion = version(packageDir('esbuild'));
  const key = createHash('sha256').update([entry, version(dtDir), version(antlrDir), esbuildVersion].join('\0')).digest('hex').slice(0, 16);
  const cacheDir = path.join(dtDir, '..', '.cache', 'lakegate-sql-grammars');
  const file = path.join(cacheDir, `grammars-${key}.cjs`);
  if (!existsSync(file)) {
    const built = buildSync({
      stdin: { contents: entry, resolveDir: dtDir, loader: 'js', sourcefile: 'lakegate-sql-grammars.js' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      logLevel: 'silent',
    });
    mkdirSync(cacheDir, { recursive: true });
    // Written aside and renamed: concurrent test workers never read a partial file.
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temp, built.outputFiles[0]!.text);
    renameSync(temp, file);
  }
  bundle = require(file) as Bundle;
  return bundle;
}

function grammar(name: GrammarName): any {
  let instance = grammars.get(name);
  if (!instance) {
    const b = loadGrammarBundle();
    instance = name === 'trino' ? new b.TrinoSQL() : new b.HiveSQL();
    grammars.set(name, instance);
    parseWith(name, ')'); // learns the statement-start tokens (see expectedText)
  }
  return instance;
}

const IDENTIFIER_TOKENS = new Set(['IDENTIFIER', 'QUOTED_IDENTIFIER', 'BACKQUOTED_IDENTIFIER', 'DIGIT_IDENTIFIER', 'Identifier']);
const STRING_TOKENS = new Set(['STRING', 'UNICODE_STRING', 'StringLiteral']);
const NUMBER_TOKENS = new Set(['INTEGER_VALUE', 'DECIMAL_VALUE', 'DOUBLE_VALUE', 'Number', 'IntegralLiteral', 'DecimalLiteral']);

/** Per grammar, the tokens that can start a statement (expected after a complete statement too, as the grammar's root takes several). */
const statementStarts = new Map<unknown, Set<number>>();

function expectedText(recognizer: any, atFirstToken: boolean): string {
  let types: number[] = [];
  try {
    types = recognizer.getExpectedTokens().toArray();
  } catch {
    return '';
  }
  const starts = statementStarts.get(recognizer.constructor);
  if (starts && !atFirstToken) types = types.filter((t) => !starts.has(t));
  const names = new Set<string>();
  let identifier = false;
  for (const t of types) {
    if (t === -1) {
      names.add('<EOF>');
      continue;
    }
    const symbolic: string | null = recognizer.vocabulary.getSymbolicName(t);
    const literal: string | null = recognizer.vocabulary.getLiteralName(t);
    if (symbolic && IDENTIFIER_TOKENS.has(symbolic)) identifier = true;
    else if (symbolic && STRING_TOKENS.has(symbolic)) names.add('<string>');
    else if (symbolic && NUMBER_TOKENS.has(symbolic)) names.add('<number>');
    else if (literal) names.add(literal);
    else if (symbolic) names.add(symbolic);
  }
  // With an identifier expected, every non-reserved keyword is too: Trino says <identifier>.
  const shown = [...names].sort();
  const list = identifier ? ['<identifier>', ...shown.filter((n) => !/^'[A-Z0-9_$]+'$/.test(n) || shown.length <= 12)] : shown;
  return list.length > 12 ? `${list.slice(0, 12).join(', ')}, ...` : list.join(', ');
}

function tokenText(token: any, eof: number): string {
  if (!token) return '';
  if (token.type === eof) return '<EOF>';
  return String(token.text ?? '');
}

/** Whether the token is the statement's first (whitespace and comments are tokens too, on another channel). */
function isFirstToken(recognizer: any, token: any): boolean {
  const stream = recognizer.tokenStream;
  for (let i = 0; i < token.tokenIndex; i++) if (stream.get(i).channel === 0) return false;
  return true;
}

interface Collected {
  problems: SyntaxProblem[];
}

function listener(target: Collected, eof: number): object {
  return {
    syntaxError(recognizer: any, offending: any, line: number, column: number, msg: string) {
      let message: string;
      if (offending == null) {
        message = msg; // lexer: "token recognition error at: '...'"
      } else {
        const first = isFirstToken(recognizer, offending);
        const expected = expectedText(recognizer, first);
        if (first && !statementStarts.has(recognizer.constructor)) {
          try {
            statementStarts.set(recognizer.constructor, new Set<number>(recognizer.getExpectedTokens().toArray().filter((t: number) => t !== -1)));
          } catch {
            // not known: nothing is filtered
          }
        }
        message = `mismatched input '${tokenText(offending, eof)}'.${expected ? ` Expecting: ${expected}` : ''}`;
      }
      target.problems.push({ line, column: column + 1, message });
    },
    reportAmbiguity() {},
    reportAttemptingFullContext() {},
    reportContextSensitivity() {},
  };
}

function displayType(token: any, parserVocabulary: any): string {
  const symbolic: string | null = parserVocabulary.getSymbolicName(token.type);
  if (symbolic) return symbolic;
  const literal: string | null = parserVocabulary.getLiteralName(token.type);
  return literal ? literal.replace(/^'|'$/g, '') : String(token.type);
}

const results = new Map<string, GrammarResult>();
const MAX_CACHED = 20_000;

/** Parses one text with the named grammar (cached by text). */
export function parseWith(name: GrammarName, text: string): GrammarResult {
  const key = `${name}\0${text}`;
  const cached = results.get(key);
  if (cached) return cached;
  const b = loadGrammarBundle();
  const g = grammar(name);
  const eof = b.Token.EOF;
  const lexed: Collected = { problems: [] };
  const lexer = g.createLexerFromCharStream(b.CharStreams.fromString(text));
  lexer.removeErrorListeners();
  lexer.addErrorListener(listener(lexed, eof));
  const stream = new b.CommonTokenStream(lexer);
  stream.fill();
  const parser = g.createParserFromTokenStream(stream);
  parser.removeErrorListeners();
  parser.buildParseTrees = false;
  const parsed: Collected = { problems: [] };
  parser.addErrorListener(listener(parsed, eof));
  parser.interpreter.predictionMode = b.PredictionMode.SLL;
  parser.program();
  if (parsed.problems.length > 0) {
    // As Trino: SLL may fail where the full LL prediction succeeds; LL decides.
    parsed.problems = [];
    stream.seek(0);
    parser.reset();
    parser.interpreter.predictionMode = b.PredictionMode.LL;
    parser.program();
  }
  const tokens: GrammarToken[] = [];
  for (const token of stream.getTokens()) {
    if (token.type === eof || token.channel !== b.Token.DEFAULT_CHANNEL) continue;
    tokens.push({ type: displayType(token, parser.vocabulary), text: String(token.text), line: token.line, column: token.column + 1, start: token.start });
  }
  // A lexer error comes first in the text as in time; the parser's errors follow.
  const problems = [...lexed.problems, ...parsed.problems].sort((x, y) => x.line - y.line || x.column - y.column);
  const result = { problems, tokens };
  if (results.size >= MAX_CACHED) results.clear();
  results.set(key, result);
  return result;
}

/** Trino's syntax errors for one statement, as `line L:C: message` (empty when the grammar accepts it). */
export function validateTrino(sql: string): string[] {
  return parseWith('trino', sql).problems.map((p) => `line ${p.line}:${p.column}: ${p.message}`);
}

/** Hive's syntax errors (Athena's DDL grammar), in the same form. */
export function validateHive(sql: string): string[] {
  return parseWith('hive', sql).problems.map((p) => `line ${p.line}:${p.column}: ${p.message}`);
}
