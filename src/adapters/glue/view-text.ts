import type { Table } from '@aws-sdk/client-glue';

/**
 * Readable SQL of a Glue view.
 *
 * Athena (and Presto/Trino on Glue) store a view as
 * `ViewOriginalText = "/* Presto View: <base64 of JSON> *\/"`, the JSON holding
 * `originalSql`, and a placeholder ViewExpandedText. Spark and Hive store plain SQL.
 * Multi-dialect Glue views keep their SQL in ViewDefinition.Representations.
 * Decoding never throws: an undecodable blob is returned as stored.
 */
const ENGINE_VIEW = /^\s*\/\*\s*(?:Presto|Trino) View:\s*([A-Za-z0-9+/=_-]+)\s*\*\/\s*$/;

export function decodeViewText(table: Pick<Table, 'ViewOriginalText' | 'ViewExpandedText' | 'ViewDefinition'>): string | null {
  const original = table.ViewOriginalText;
  if (original) return decodeEngineView(original) ?? original;
  for (const representation of table.ViewDefinition?.Representations ?? []) {
    const text = representation.ViewOriginalText ?? representation.ViewExpandedText;
    if (text) return decodeEngineView(text) ?? text;
  }
  const expanded = table.ViewExpandedText;
  return expanded && !/^\s*\/\*\s*(Presto|Trino) View\s*\*\/\s*$/.test(expanded) ? expanded : null;
}

/** The `originalSql` of a Presto/Trino view blob, or null when the text is not one. */
export function decodeEngineView(text: string): string | null {
  const match = ENGINE_VIEW.exec(text);
  if (!match) return null;
  try {
    const json = JSON.parse(Buffer.from(match[1]!, 'base64').toString('utf8')) as { originalSql?: unknown };
    return typeof json.originalSql === 'string' ? json.originalSql : null;
  } catch {
    return null;
  }
}

/** The blob Athena writes for a view (used by test fixtures and the emulator loader). */
export function encodePrestoView(view: { originalSql: string; catalog?: string; schema: string; columns: Array<{ name: string; type: string }>; owner?: string }): string {
  const json = {
    originalSql: view.originalSql,
    catalog: view.catalog ?? 'awsdatacatalog',
    schema: view.schema,
    columns: view.columns,
    ...(view.owner ? { owner: view.owner } : {}),
    runAsInvoker: false,
  };
  return `/* Presto View: ${Buffer.from(JSON.stringify(json), 'utf8').toString('base64')} */`;
}
