import { GetDatabasesCommand, GetJobRunsCommand, GetPartitionsCommand, GetTableCommand, GetTablesCommand, GetTagsCommand } from '@aws-sdk/client-glue';
import { CATALOG_A, CATALOG_B, glueCatalogFixture, glueJobsFixture } from '../../emulators/glue-fixtures';
import { startGlueHarness, type GlueHarness } from './glue-harness';

/** The emulator itself, driven by the real SDK client and by raw HTTP. */
describe('Glue emulator', () => {
  let h: GlueHarness;

  beforeAll(async () => {
    h = await startGlueHarness({ ...glueCatalogFixture(), ...glueJobsFixture() }, { maxAttempts: 1 });
  });
  afterAll(() => h.close());

  async function raw(operation: string, body: unknown): Promise<{ status: number; json: any; contentType: string | null }> {
    const response = await fetch(h.emulator.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSGlue.${operation}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: await response.json(), contentType: response.headers.get('content-type') };
  }

  test('sends times as epoch seconds and the SDK reads them as Dates', async () => {
    const wire = await raw('GetTable', { CatalogId: CATALOG_A, DatabaseName: 'lake', Name: 'events' });
    expect(wire.status).toBe(200);
    expect(wire.contentType).toBe('application/x-amz-json-1.1');
    expect(wire.json.Table.UpdateTime).toBe(Date.parse('2026-01-20T12:30:00.500Z') / 1000);
    expect(wire.json.Table).toMatchObject({ Name: 'events', DatabaseName: 'lake', CatalogId: CATALOG_A });
    const sdk = await h.client.send(new GetTableCommand({ CatalogId: CATALOG_A, DatabaseName: 'lake', Name: 'events' }));
    expect(sdk.Table!.UpdateTime).toEqual(new Date('2026-01-20T12:30:00.500Z'));
  });

  test('errors have the documented shapes', async () => {
    expect((await raw('GetTable', { CatalogId: CATALOG_A, DatabaseName: 'lake', Name: 'nope' })).json).toEqual({
      __type: 'EntityNotFoundException',
      message: 'Table nope not found.',
    });
    const denied = await raw('GetDatabases', { CatalogId: '123412341234' });
    expect(denied.status).toBe(400);
    expect(denied.json.__type).toBe('AccessDeniedException');
    await expect(h.client.send(new GetTablesCommand({ CatalogId: CATALOG_A, DatabaseName: 'nope' }))).rejects.toMatchObject({ name: 'EntityNotFoundException' });
    await expect(h.client.send(new GetJobRunsCommand({ JobName: 'nope' }))).rejects.toMatchObject({ name: 'EntityNotFoundException' });
    await expect(h.client.send(new GetDatabasesCommand({ CatalogId: CATALOG_A, MaxResults: 101 }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(h.client.send(new GetJobRunsCommand({ JobName: 'ray_job', MaxResults: 201 }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  test('without CatalogId the caller account catalog answers', async () => {
    const out = await h.client.send(new GetDatabasesCommand({}));
    expect(out.DatabaseList!.map((d) => d.Name)).toEqual(['default', 'lake', 'scratch']);
    expect(out.DatabaseList!.every((d) => d.CatalogId === CATALOG_A)).toBe(true);
  });

  test('GetTables: Expression is a whole-name, case-insensitive regular expression; pages via NextToken', async () => {
    const names = async (Expression?: string) => (await h.client.send(new GetTablesCommand({ CatalogId: CATALOG_A, DatabaseName: 'lake', Expression }))).TableList!.map((t) => t.Name);
    expect(await names('EVENTS_.*')).toEqual(['events_avro', 'events_csv', 'events_delta', 'events_iceberg', 'events_json', 'events_orc']);
    expect(await names('events')).toEqual(['events']);
    expect(await names('events_(orc|avro)')).toEqual(['events_avro', 'events_orc']);
    await expect(names('events_(')).rejects.toMatchObject({ name: 'InvalidInputException' });

    const first = await h.client.send(new GetTablesCommand({ CatalogId: CATALOG_A, DatabaseName: 'lake', MaxResults: 4 }));
    expect(first.TableList).toHaveLength(4);
    const second = await h.client.send(new GetTablesCommand({ CatalogId: CATALOG_A, DatabaseName: 'lake', MaxResults: 4, NextToken: first.NextToken }));
    const replay = await h.client.send(new GetTablesCommand({ CatalogId: CATALOG_A, DatabaseName: 'lake', MaxResults: 4, NextToken: first.NextToken }));
    expect(replay.TableList!.map((t) => t.Name)).toEqual(second.TableList!.map((t) => t.Name));
    expect(second.TableList![0]!.Name! > first.TableList![3]!.Name!).toBe(true);
    // A token continues only the request it came from.
    await expect(h.client.send(new GetTablesCommand({ CatalogId: CATALOG_A, DatabaseName: 'default', NextToken: first.NextToken }))).rejects.toMatchObject({
      name: 'InvalidInputException',
    });
  });

  test('GetPartitions: the Expression subset', async () => {
    const days = async (Expression: string) =>
      (await h.client.send(new GetPartitionsCommand({ CatalogId: CATALOG_A, DatabaseName: 'lake', TableName: 'events', Expression }))).Partitions!.map((p) => p.Values![0]).sort();
    expect(await days("day BETWEEN '2026-01-02' AND '2026-01-05'")).toEqual(['2026-01-02', '2026-01-03', '2026-01-05']);
    expect(await days("day >= '2026-01-09' AND day <= '2026-01-31'")).toEqual(['2026-01-09', '2026-01-10']);
    expect(await days("day IN ('2026-01-01', '2026-01-04', '2026-01-10')")).toEqual(['2026-01-01', '2026-01-10']);
    expect(await days("day = '2026-01-01' OR (day > '2026-01-08' AND NOT day = '2026-01-10')")).toEqual(['2026-01-01', '2026-01-09']);
    expect(await days("day LIKE '2026-01-0_' AND day NOT IN ('2026-01-01')")).toHaveLength(7);
    expect(await days("day <> '2026-01-01'")).toHaveLength(8);
    await expect(days("region = 'eu'")).rejects.toMatchObject({ name: 'InvalidInputException' });
    await expect(days("day = '2026")).rejects.toMatchObject({ name: 'InvalidInputException' });

    const hours = async (Expression: string) =>
      (await h.client.send(new GetPartitionsCommand({ CatalogId: CATALOG_B, DatabaseName: 'shared_sales', TableName: 'orders', Expression }))).Partitions!.map((p) => Number(p.Values![1])).sort((a, b) => a - b);
    // Integer keys compare as numbers: 10 > 9.
    expect(await hours('hour > 2')).toEqual([9, 10]);
    expect(await hours('year = 2025 AND hour BETWEEN 2 AND 9')).toEqual([2, 9]);
  });

  test('GetPartitions: ExcludeColumnSchema drops the columns, MaxResults pages', async () => {
    const full = await h.client.send(new GetPartitionsCommand({ CatalogId: CATALOG_A, DatabaseName: 'lake', TableName: 'events', MaxResults: 4 }));
    expect(full.Partitions).toHaveLength(4);
    expect(full.Partitions![0]!.StorageDescriptor!.Columns!.length).toBeGreaterThan(0);
    expect(full.NextToken).toBeDefined();
    const slim = await h.client.send(new GetPartitionsCommand({ CatalogId: CATALOG_A, DatabaseName: 'lake', TableName: 'events', ExcludeColumnSchema: true }));
    expect(slim.Partitions).toHaveLength(9);
    expect(slim.NextToken).toBeUndefined();
    expect(slim.Partitions!.every((p) => p.StorageDescriptor!.Columns === undefined && p.StorageDescriptor!.Location!.startsWith('s3://'))).toBe(true);
  });

  test('GetJobRuns newest first; GetTags by ARN in the emulated account only', async () => {
    const runs = await h.client.send(new GetJobRunsCommand({ JobName: 'events_compaction', MaxResults: 3 }));
    expect(runs.JobRuns!.map((r) => r.Id)).toEqual(['jr_compaction_00', 'jr_compaction_01', 'jr_compaction_02']);
    expect(runs.JobRuns![0]!.StartedOn).toEqual(new Date('2026-01-10T01:00:00.000Z'));
    const tags = await h.client.send(new GetTagsCommand({ ResourceArn: `arn:aws:glue:us-east-1:${CATALOG_A}:job/big_backfill` }));
    expect(tags.Tags).toEqual({ team: 'analytics', remediate: 'false' });
    await expect(h.client.send(new GetTagsCommand({ ResourceArn: `arn:aws:glue:eu-west-1:${CATALOG_A}:job/big_backfill` }))).rejects.toMatchObject({
      name: 'EntityNotFoundException',
    });
  });
});
