import type { Table } from '@aws-sdk/client-glue';

/**
 * The storage format of a Glue table, from the signals writers leave behind, most
 * specific first:
 *  1. table_type (Athena and the Iceberg/Delta catalog integrations: ICEBERG, DELTA, HUDI);
 *  2. spark.sql.sources.provider (Spark and Hudi sync: hudi, delta, iceberg, parquet, ...);
 *  3. Hudi's and Delta's own input formats (tables synced by hudi-hive-sync, delta connectors);
 *  4. classification (Glue crawlers; on the table or its storage descriptor);
 *  5. the input format and SerDe (Hive DDL, Athena CREATE TABLE).
 * Views have no format (null), and so has anything unrecognised.
 */
export type TableFormat = 'parquet' | 'hudi' | 'iceberg' | 'delta' | 'json' | 'csv' | 'orc' | 'avro';

const FORMATS: ReadonlySet<string> = new Set<TableFormat>(['parquet', 'hudi', 'iceberg', 'delta', 'json', 'csv', 'orc', 'avro']);
/** Other names writers use for the same formats. */
const ALIASES: Record<string, TableFormat> = {
  'org.apache.hudi': 'hudi',
  'org.apache.spark.sql.parquet': 'parquet',
  'org.apache.spark.sql.json': 'json',
  'org.apache.spark.sql.csv': 'csv',
  'org.apache.spark.sql.execution.datasources.csv.csvfileformat': 'csv',
  'com.databricks.spark.csv': 'csv',
  'com.databricks.spark.avro': 'avro',
  'io.delta': 'delta',
  tsv: 'csv',
};

function normalise(value: string | undefined): TableFormat | null {
  if (!value) return null;
  const v = value.trim().toLowerCase();
  if (FORMATS.has(v)) return v as TableFormat;
  return ALIASES[v] ?? null;
}

export function detectTableFormat(table: Pick<Table, 'TableType' | 'Parameters' | 'StorageDescriptor' | 'ViewOriginalText'>): TableFormat | null {
  if (isView(table)) return null;
  const params = lowerKeys(table.Parameters);
  const sd = table.StorageDescriptor;
  const sdParams = lowerKeys(sd?.Parameters);

  const tableType = normalise(params['table_type']);
  if (tableType === 'iceberg' || tableType === 'delta' || tableType === 'hudi') return tableType;

  const provider = normalise(params['spark.sql.sources.provider']);
  if (provider) return provider;

  const inputFormat = (sd?.InputFormat ?? '').toLowerCase();
  const serde = (sd?.SerdeInfo?.SerializationLibrary ?? '').toLowerCase();
  if (inputFormat.includes('hoodie') || inputFormat.includes('.hudi.')) return 'hudi';
  if (inputFormat.includes('io.delta.') || serde.includes('io.delta.')) return 'delta';

  const classification = normalise(params['classification']) ?? normalise(sdParams['classification']);
  if (classification) return classification;

  if (inputFormat.includes('parquet') || serde.includes('parquet')) return 'parquet';
  if (inputFormat.includes('orc') || serde.includes('orc')) return 'orc';
  if (inputFormat.includes('avro') || serde.includes('avro')) return 'avro';
  if (serde.includes('json')) return 'json';
  if (serde.includes('opencsvserde') || serde.includes('lazysimpleserde') || serde.includes('csv')) return 'csv';
  return null;
}

export function isView(table: Pick<Table, 'TableType' | 'ViewOriginalText'>): boolean {
  return (table.TableType ?? '').toUpperCase() === 'VIRTUAL_VIEW' || (!table.TableType && !!table.ViewOriginalText);
}

function lowerKeys(map: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map ?? {})) out[k.toLowerCase()] = v;
  return out;
}
