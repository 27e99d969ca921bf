import { BatchGetCommand, GetCommand, ScanCommand, UpdateCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { LoadDayOutcome, LoadDayRecord, LoadDayState, LoadLedger, LoadStep } from '../../ports/load-ledger';
import type { LandingFile, QuarantineReason } from '../../ports/loads';
import type { Day } from '../../util/days';
import { dynamoCall } from './call';
import type { DynamoClients } from './client';
import { dynamoErrorName } from './errors';

type Item = Record<string, unknown>;
const CONDITION_FAILED = 'ConditionalCheckFailedException';
const HELD_BY_OWNER = 'leaseOwner = :owner';

/**
 * The load ledger in DynamoDB: one item per day, keyed by `day`. Every write is a
 * single-item conditional update (no transactions: dynalite has none); the lease
 * is `leaseOwner` + `leaseExpiresAt` on the item, taken only when absent or expired.
 */
export class DynamoLoadLedger implements LoadLedger {
  constructor(
    private readonly clients: DynamoClients,
    private readonly options: { table: string },
  ) {}

  async get(day: Day): Promise<LoadDayRecord | null> {
    const out = await dynamoCall(
      (opts) => this.clients.doc.send(new GetCommand({ TableName: this.options.table, Key: { day }, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }), opts),
      { label: 'loads.get', table: this.options.table, rows: (o) => (o.Item ? 1 : 0) },
    );
    return out.Item ? fromItem(out.Item) : null;
  }

  async getMany(days: readonly Day[]): Promise<LoadDayRecord[]> {
    const out: LoadDayRecord[] = [];
    const unique = [...new Set(days)];
    for (let i = 0; i < unique.length; i += 100) {
      let keys: Item[] | undefined = unique.slice(i, i + 100).map((day) => ({ day }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        const request: Item[] = keys;
        const batch = await dynamoCall(
          (opts) =>
            this.clients.doc.send(new BatchGetCommand({ RequestItems: { [this.options.table]: { Keys: request, ConsistentRead: true } }, ReturnConsumedCapacity: 'TOTAL' }), opts),
          { label: 'loads.getMany', table: this.options.table, rows: (o) => o.Responses?.[this.options.table]?.length ?? 0 },
        );
        out.push(...(batch.Responses?.[this.options.table] ?? []).map(fromItem));
        keys = batch.UnprocessedKeys?.[this.options.table]?.Keys as Item[] | undefined;
        if (keys && keys.length > 0 && attempt >= 5) throw new Error(`loads.getMany: ${keys.length} keys left unprocessed by DynamoDB`);
        if (keys && keys.length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
    return out.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  }

  async all(): Promise<LoadDayRecord[]> {
    const records: LoadDayRecord[] = [];
    let start: Item | undefined;
    do {
      const out: ScanCommandOutput = await dynamoCall(
        (opts) => this.clients.doc.send(new ScanCommand({ TableName: this.options.table, ConsistentRead: true, ExclusiveStartKey: start, ReturnConsumedCapacity: 'TOTAL' }), opts),
        { label: 'loads.all', table: this.options.table, rows: (o) => o.Items?.length ?? 0 },
      );
      records.push(...(out.Items ?? []).map(fromItem));
      start = out.LastEvaluatedKey;
    } while (start);
    return records.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  }

  async acquire(day: Day, owner: string, now: number, leaseMs: number, takeOver = false): Promise<LoadDayRecord | null> {
    const at = new Date(now).toISOString();
    const out = await this.update('loads.acquire', day, {
      UpdateExpression:
        'SET leaseOwner = :owner, leaseExpiresAt = :expires, updatedAt = :at, attempts = if_not_exists(attempts, :zero) + :one, #state = if_not_exists(#state, :pending)',
      ConditionExpression: takeOver ? undefined : 'attribute_not_exists(leaseExpiresAt) OR leaseExpiresAt < :at OR leaseOwner = :owner',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':owner': owner, ':expires': new Date(now + leaseMs).toISOString(), ':at': at, ':zero': 0, ':one': 1, ':pending': 'PENDING' },
      ReturnValues: 'ALL_NEW',
    });
    return out ? fromItem(out) : null;
  }

  async renew(day: Day, owner: string, now: number, leaseMs: number): Promise<boolean> {
    return (
      (await this.update('loads.renew', day, {
        UpdateExpression: 'SET leaseExpiresAt = :expires',
        ConditionExpression: HELD_BY_OWNER,
        ExpressionAttributeValues: { ':owner': owner, ':expires': new Date(now + leaseMs).toISOString() },
      })) !== null
    );
  }

  async begin(day: Day, owner: string, step: LoadStep, taking: readonly LandingFile[]): Promise<boolean> {
    return (
      (await this.update('loads.begin', day, {
        UpdateExpression: 'SET #state = :loading, #step = :step, taking = :taking, updatedAt = :at',
        ConditionExpression: HELD_BY_OWNER,
        ExpressionAttributeNames: { '#state': 'state', '#step': 'step' },
        ExpressionAttributeValues: { ':owner': owner, ':loading': 'LOADING', ':step': step, ':taking': taking.map((f) => ({ ...f })), ':at': new Date().toISOString() },
      })) !== null
    );
  }

  async complete(day: Day, owner: string, outcome: LoadDayOutcome, startedAt: string, loadedVersions: readonly string[] = []): Promise<boolean> {
    const current = await this.get(day);
    if (!current || current.lease?.owner !== owner) return false;
    const reasons = { ...current.quarantineReasons };
    for (const [reason, n] of Object.entries(outcome.quarantineReasons) as Array<[QuarantineReason, number]>) reasons[reason] = (reasons[reason] ?? 0) + n;
    const requestedAt = current.requestedAt && current.requestedAt > startedAt ? current.requestedAt : null;
    return (
      (await this.update('loads.complete', day, {
        UpdateExpression:
          'SET #state = :loaded, #step = :none, taking = :empty, loadedVersions = :versions, landingRows = :landing, addedRows = :added, duplicateRows = :dups, ' +
          'quarantinedRows = :quarantined, quarantineReasons = :reasons, erasedRows = :erased, lakeRows = :lake, warehouseRows = :warehouse, newestEventAt = :newest, ' +
          'loadedAt = :loadedAt, requestedAt = :requested, lastError = :none, nextAttemptAt = :none, updatedAt = :loadedAt' +
          (outcome.lakeDay ? ', lakeBytes = :lakeBytes, lakeFiles = :lakeFiles, lakePartitions = :lakePartitions' : '') +
          // A load that cannot tell the day's size leaves none behind (an older one would be stale).
          (outcome.lakeDay ? ' REMOVE leaseOwner, leaseExpiresAt' : ' REMOVE leaseOwner, leaseExpiresAt, lakeBytes, lakeFiles, lakePartitions'),
        ConditionExpression: HELD_BY_OWNER,
        ExpressionAttributeNames: { '#state': 'state', '#step': 'step' },
        ExpressionAttributeValues: {
          ':owner': owner,
          ':loaded': 'LOADED',
          ':none': null,
          ':empty': [],
          ':versions': [...loadedVersions],
          ':landing': current.landingRows + outcome.landingRows,
          ':added': current.addedRows + outcome.addedRows,
          ':dups': current.duplicateRows + outcome.duplicateRows,
          ':quarantined': current.quarantinedRows + outcome.quarantinedRows,
          ':reasons': reasons,
          ':erased': current.erasedRows + outcome.erasedRows,
          ':lake': outcome.lakeRows,
          ':warehouse': outcome.warehouseRows,
          ':newest': outcome.newestEventAt,
          ':loadedAt': outcome.loadedAt,
          ':requested': requestedAt,
          ...(outcome.lakeDay ? { ':lakeBytes': outcome.lakeDay.bytes, ':lakeFiles': outcome.lakeDay.files, ':lakePartitions': outcome.lakeDay.partitions } : {}),
        },
      })) !== null
    );
  }

  async fail(day: Day, owner: string, error: string, nextAttemptAt: string): Promise<boolean> {
    return (
      (await this.update('loads.fail', day, {
        UpdateExpression: 'SET #state = :failed, lastError = :error, nextAttemptAt = :next, updatedAt = :at REMOVE leaseOwner, leaseExpiresAt',
        ConditionExpression: HELD_BY_OWNER,
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':owner': owner, ':failed': 'FAILED', ':error': error.slice(0, 2000), ':next': nextAttemptAt, ':at': new Date().toISOString() },
      })) !== null
    );
  }

  async release(day: Day, owner: string): Promise<void> {
    await this.update('loads.release', day, {
      UpdateExpression: 'REMOVE leaseOwner, leaseExpiresAt',
      ConditionExpression: HELD_BY_OWNER,
      ExpressionAttributeValues: { ':owner': owner },
    });
  }

  async request(days: readonly Day[], at: string): Promise<void> {
    for (const day of new Set(days)) {
      await this.update('loads.request', day, {
        UpdateExpression: 'SET requestedAt = :at, updatedAt = :at, #state = if_not_exists(#state, :pending), nextAttemptAt = :none',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':at': at, ':pending': 'PENDING', ':none': null },
      });
    }
  }

  /** One conditional update; the item's new attributes, or null when the condition failed. */
  private async update(
    label: string,
    day: Day,
    input: {
      UpdateExpression: string;
      ConditionExpression?: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues?: Item;
      ReturnValues?: 'ALL_NEW';
    },
  ): Promise<Item | null> {
    const out = await dynamoCall(
      async (opts) => {
        try {
          return await this.clients.doc.send(new UpdateCommand({ TableName: this.options.table, Key: { day }, ReturnConsumedCapacity: 'TOTAL', ReturnValues: 'ALL_NEW', ...input }), opts);
        } catch (error) {
          if (dynamoErrorName(error) === CONDITION_FAILED) return { conditionFailed: true as const };
          throw error;
        }
      },
      // Ledger writes finish even when the pass that made them is stopping.
      { label, table: this.options.table, rows: (o) => ('conditionFailed' in o ? 0 : 1), cancellable: false },
    );
    return 'conditionFailed' in out ? null : ((out.Attributes as Item | undefined) ?? {});
  }
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function fromItem(item: Item): LoadDayRecord {
  const lease = typeof item.leaseOwner === 'string' && typeof item.leaseExpiresAt === 'string' ? { owner: item.leaseOwner, expiresAt: item.leaseExpiresAt } : null;
  return {
    day: String(item.day),
    state: (str(item.state) ?? 'PENDING') as LoadDayState,
    step: str(item.step) as LoadStep | null,
    taking: Array.isArray(item.taking) ? (item.taking as LandingFile[]) : [],
    loadedVersions: Array.isArray(item.loadedVersions) ? item.loadedVersions.map(String) : [],
    landingRows: num(item.landingRows),
    addedRows: num(item.addedRows),
    duplicateRows: num(item.duplicateRows),
    quarantinedRows: num(item.quarantinedRows),
    quarantineReasons: item.quarantineReasons && typeof item.quarantineReasons === 'object' ? (item.quarantineReasons as LoadDayRecord['quarantineReasons']) : {},
    erasedRows: num(item.erasedRows),
    lakeRows: num(item.lakeRows),
    warehouseRows: num(item.warehouseRows),
    ...(typeof item.lakeBytes === 'number' ? { lakeBytes: item.lakeBytes, lakeFiles: num(item.lakeFiles), lakePartitions: num(item.lakePartitions) } : {}),
    newestEventAt: str(item.newestEventAt),
    loadedAt: str(item.loadedAt),
    requestedAt: str(item.requestedAt),
    attempts: num(item.attempts),
    lastError: str(item.lastError),
    nextAttemptAt: str(item.nextAttemptAt),
    lease,
    updatedAt: str(item.updatedAt) ?? '',
  };
}
