import { detectTableFormat } from '../../../src/adapters/glue/table-format';
import { decodeEngineView, decodeViewText, encodePrestoView } from '../../../src/adapters/glue/view-text';
import { partitionValueComparator } from '../../../src/adapters/glue/partition-order';
import { parsePartitionStats } from '../../../src/adapters/glue/partition-stats-parameters';
import { decodePartitionOffset, decodeTablePosition, encodePartitionOffset, encodeTablePosition } from '../../../src/adapters/glue/page-token';
import { likeMatcher, matchesLike } from '../../../src/util/sql-like';
import { storageFor } from '../../emulators/glue-content';

describe('detectTableFormat', () => {
  test.each(['parquet', 'orc', 'avro', 'json', 'csv', 'hudi', 'iceberg', 'delta'])('%s from the storage descriptor a writer leaves', (format) => {
    expect(detectTableFormat({ TableType: 'EXTERNAL_TABLE', StorageDescriptor: storageFor(format) })).toBe(format);
  });

  test('table parameters win over the storage descriptor, most specific first', () => {
    const parquet = storageFor('parquet');
    expect(detectTableFormat({ Parameters: { table_type: 'ICEBERG' }, StorageDescriptor: parquet })).toBe('iceberg');
    expect(detectTableFormat({ Parameters: { table_type: 'DELTA' }, StorageDescriptor: parquet })).toBe('delta');
    expect(detectTableFormat({ Parameters: { 'spark.sql.sources.provider': 'HUDI', classification: 'parquet' }, StorageDescriptor: parquet })).toBe('hudi');
    expect(detectTableFormat({ Parameters: { 'spark.sql.sources.provider': 'delta' }, StorageDescriptor: parquet })).toBe('delta');
    expect(detectTableFormat({ Parameters: { classification: 'parquet' }, StorageDescriptor: storageFor('hudi') })).toBe('hudi');
    expect(detectTableFormat({ Parameters: { classification: 'CSV' }, StorageDescriptor: {} })).toBe('csv');
    expect(detectTableFormat({ Parameters: { 'spark.sql.sources.provider': 'com.databricks.spark.avro' } })).toBe('avro');
    expect(detectTableFormat({ StorageDescriptor: { SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde' } } })).toBe('csv');
    expect(detectTableFormat({ StorageDescriptor: { SerdeInfo: { SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe' } } })).toBe('json');
    expect(detectTableFormat({ StorageDescriptor: { InputFormat: 'com.uber.hoodie.hadoop.HoodieInputFormat' } })).toBe('hudi');
  });

  test('views and unknown formats have none', () => {
    expect(detectTableFormat({ TableType: 'VIRTUAL_VIEW', Parameters: { classification: 'parquet' } })).toBeNull();
    expect(detectTableFormat({ ViewOriginalText: 'select 1' })).toBeNull();
    expect(detectTableFormat({ Parameters: { classification: 'xml' }, StorageDescriptor: { InputFormat: 'com.amazonaws.glue.xml.XmlInputFormat' } })).toBeNull();
    expect(detectTableFormat({})).toBeNull();
  });
});

describe('view text', () => {
  test('decodes the Presto View blob Athena writes, keeps plain SQL', () => {
    const blob = encodePrestoView({ originalSql: 'SELECT 1 AS "ü"', schema: 'lake', columns: [{ name: 'ü', type: 'integer' }] });
    expect(blob).toMatch(/^\/\* Presto View: [A-Za-z0-9+/=]+ \*\/$/);
    expect(decodeViewText({ ViewOriginalText: blob, ViewExpandedText: '/* Presto View */' })).toBe('SELECT 1 AS "ü"');
    expect(decodeViewText({ ViewOriginalText: 'select * from t', ViewExpandedText: 'select `t`.`a` from `db`.`t`' })).toBe('select * from t');
    expect(decodeViewText({ ViewExpandedText: '/* Presto View */' })).toBeNull();
    expect(decodeViewText({ ViewDefinition: { Representations: [{ Dialect: 'ATHENA', ViewOriginalText: 'SELECT 2' }] } })).toBe('SELECT 2');
    const trino = `/* Trino View: ${Buffer.from(JSON.stringify({ originalSql: 'SELECT 3' })).toString('base64')} */`;
    expect(decodeEngineView(trino)).toBe('SELECT 3');
  });

  test('an undecodable blob is kept as stored', () => {
    expect(decodeViewText({ ViewOriginalText: '/* Presto View: bm90IGpzb24= */' })).toBe('/* Presto View: bm90IGpzb24= */');
    expect(decodeEngineView('/* Presto View: e30= */')).toBeNull();
  });
});

describe('SQL LIKE', () => {
  test('% and _ are wildcards, everything else literal, case-insensitive', () => {
    expect(matchesLike('Events_2026', 'events%')).toBe(true);
    expect(matchesLike('events', 'events%')).toBe(true);
    expect(matchesLike('events', 'event_')).toBe(true);
    expect(matchesLike('events', 'event')).toBe(false);
    expect(matchesLike('a.b', 'a.b')).toBe(true);
    expect(matchesLike('axb', 'a.b')).toBe(false);
    expect(matchesLike('a+b(c)', 'a+b(c)')).toBe(true);
    expect(matchesLike('line\nbreak', 'line%')).toBe(true);
    expect(likeMatcher('%[x]%').test('a[x]b')).toBe(true);
  });
});

describe('partition order, statistics and tokens', () => {
  test('integer keys compare numerically, others as strings', () => {
    const compare = partitionValueComparator([
      { name: 'day', type: 'string', comment: null },
      { name: 'hour', type: 'int', comment: null },
    ]);
    const values = [
      ['2026-01-02', '1'],
      ['2026-01-01', '10'],
      ['2026-01-01', '9'],
    ];
    expect(values.sort(compare)).toEqual([
      ['2026-01-01', '9'],
      ['2026-01-01', '10'],
      ['2026-01-02', '1'],
    ]);
  });

  test('statistics: stored bytes first, -1 ignored, crawler and Spark keys understood', () => {
    expect(parsePartitionStats({ totalSize: '10', rawDataSize: '40', numRows: '3' })).toEqual({ bytes: 10, rows: 3 });
    expect(parsePartitionStats({ totalSize: '-1', rawDataSize: '40', numRows: '-1', recordCount: '5' })).toEqual({ bytes: 40, rows: 5 });
    expect(parsePartitionStats({ sizeKey: '77', recordCount: '2' })).toEqual({ bytes: 77, rows: 2 });
    expect(parsePartitionStats({ 'spark.sql.statistics.totalSize': '8', 'spark.sql.statistics.numRows': '1' })).toEqual({ bytes: 8, rows: 1 });
    expect(parsePartitionStats({ totalSize: 'n/a' })).toEqual({ bytes: null, rows: null });
    expect(parsePartitionStats(undefined)).toEqual({ bytes: null, rows: null });
  });

  test('tokens round-trip and reject anything else', () => {
    const position = { glueToken: 'abc==', maxResults: 100, skip: 7 };
    expect(decodeTablePosition(encodeTablePosition(position))).toEqual(position);
    expect(decodeTablePosition(encodeTablePosition({ glueToken: null, maxResults: 5, skip: 0 }))).toEqual({ glueToken: null, maxResults: 5, skip: 0 });
    expect(decodePartitionOffset(encodePartitionOffset(42))).toBe(42);
    for (const bad of ['', 'gt1.', 'gt1.e30', `gt1.${Buffer.from('[null,0,0]').toString('base64url')}`, 'abc']) {
      expect(() => decodeTablePosition(bad)).toThrow(/after: is not a position/);
    }
    for (const bad of ['gp1.', 'gp1.1.5', 'gp1.-1', '7']) expect(() => decodePartitionOffset(bad)).toThrow(/after: is not a position/);
  });
});
