import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type BatchWriteCommandInput,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { AppError, ErrorCode } from '../../errors/app-error';
import type {
  CustomerDecisionQuery,
  DecisionListing,
  DecisionStore,
  PutResult,
  StoredDecision,
} from '../../ports/decision-store';
import { currentSignal } from '../../observability/query-accounting';
import { UNPROCESSED_BACKOFF, backoffDelayMs, chunk, forEachConcurrently, sleep } from './batching';
import { dynamoCall } from './call';
import type { DynamoClients } from './client';
import {
  BY_CUSTOMER_INDEX,
  BY_TRANSACTION_INDEX,
  checkCustomerPosition,
  customerPosition,
  fromItem,
  sortKeyBounds,
  toItem,
} from './decision-item';
import { dynamoErrorName } from './errors';

export interface DynamoDecisionStoreOptions {
  /** Physical name of the decisions table (config.aws.dynamodb.decisionsTable). */
  table: string;
  /** BatchWriteItem requests in flight during putMany / deleteByCustomer. Default 8. */
  writeConcurrency?: number;
  /** BatchGetItem requests in flight during getMany. Default 4. */
  readConcurrency?: number;
}

type Item = Record<string, unknown>;
type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;

/**
 * Decisions in one DynamoDB table (see migrations/dynamodb/001_decisions.json):
 * key `id`; index byTransaction (transactionId, decidedAtId) read oldest first;
 * index byCustomer (customerId, decidedAtId) read newest first. Writes are
 * single-item conditional puts or batch writes: no transactions, so the same code
 * runs on dynalite, DynamoDB Local and DynamoDB.
 */
export class DynamoDecisionStore implements DecisionStore {
  private readonly table: string;
  private readonly writeConcurrency: number;
  private readonly readConcurrency: number;

  constructor(
    private readonly clients: DynamoClients,
    options: DynamoDecisionStoreOptions,
  ) {
    this.table = options.table;
    this.writeConcurrency = options.writeConcurrency ?? 8;
    this.readConcurrency = options.readConcurrency ?? 4;
  }

  async putIfAbsent(decision: StoredDecision): Promise<PutResult> {
    const item = toItem(decision);
    // A producer may retry while its first write is being erased; a few rounds settle it.
    for (let round = 0; round < 3; round++) {
      const out = await dynamoCall(
        async (opts) => {
          try {
            return await this.clients.doc.send(
              new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(#id)', ExpressionAttributeNames: { '#id': 'id' }, ReturnConsumedCapacity: 'TOTAL' }),
              opts,
            );
          } catch (error) {
            // The id exists: not a failure, the caller gets the stored decision.
            if (dynamoErrorName(error) === 'ConditionalCheckFailedException') return { conditionFailed: true as const };
            throw error;
          }
        },
        { label: 'decisions.put', table: this.table, rows: (o) => ('conditionFailed' in o ? 0 : 1) },
      );
      if (!('conditionFailed' in out)) return { created: true, decision: fromItem(item) };
      const existing = await this.get(decision.id);
      if (existing) return { created: false, existing };
    }
    throw new AppError(ErrorCode.CONFLICT, `Decision ${decision.id} is being written and deleted concurrently; retry the request`, { retryable: true });
  }

  async get(id: string): Promise<StoredDecision | null> {
    const out = await dynamoCall(
      (opts) => this.clients.doc.send(new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }), opts),
      { label: 'decisions.get', table: this.table, rows: (o) => (o.Item ? 1 : 0) },
    );
    return out.Item ? fromItem(out.Item) : null;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, StoredDecision>> {
    const found = new Map<string, StoredDecision>();
    const unique = [...new Set(ids)];
    await forEachConcurrently(chunk(unique, BATCH_GET_MAX), this.readConcurrency, async (batch) => {
      let pending: Item[] = batch.map((id) => ({ id }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await this.backoff(attempt - 1, 'decisions.getMany', pending.length);
        const keys = pending;
        const out = await dynamoCall(
          (opts) => this.clients.doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } }, ReturnConsumedCapacity: 'TOTAL' }), opts),
          { label: 'decisions.getMany', table: this.table, rows: (o) => o.Responses?.[this.table]?.length ?? 0 },
        );
        for (const item of out.Responses?.[this.table] ?? []) found.set(String(item.id), fromItem(item));
        pending = out.UnprocessedKeys?.[this.table]?.Keys ?? [];
      }
    });
    return found;
  }

  async byTransaction(transactionId: string, limit: number): Promise<StoredDecision[]> {
    const items: StoredDecision[] = [];
    let start: Item | undefined;
    while (items.length < limit) {
      const out = await this.query('decisions.byTransaction', {
        IndexName: BY_TRANSACTION_INDEX,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'transactionId' },
        ExpressionAttributeValues: { ':pk': transactionId },
        ScanIndexForward: true,
        Limit: limit - items.length,
        ExclusiveStartKey: start,
      });
      for (const item of out.Items ?? []) items.push(fromItem(item));
      start = out.LastEvaluatedKey;
      if (!start) break;
    }
    return items.slice(0, limit);
  }

  async byCustomer(query: CustomerDecisionQuery): Promise<DecisionListing> {
    const { lower, upper } = sortKeyBounds(query.from, query.to);
    if (query.limit < 1) return { items: [] };
    let start: Item | undefined = query.after ? checkCustomerPosition(query.after, query.customerId, lower, upper) : undefined;
    // Read one more than asked: DynamoDB returns a LastEvaluatedKey whenever Limit
    // stopped it, even with nothing after; the extra item says whether a page follows.
    const wanted = query.limit + 1;
    const items: StoredDecision[] = [];
    while (items.length < wanted) {
      const out = await this.query(
        'decisions.byCustomer',
        {
          IndexName: BY_CUSTOMER_INDEX,
          ...this.customerKeyCondition(query.customerId, lower, upper),
          ScanIndexForward: false,
          Limit: wanted - items.length,
          ExclusiveStartKey: start,
        },
        query.after ? 'after' : undefined,
      );
      for (const item of out.Items ?? []) items.push(fromItem(item));
      start = out.LastEvaluatedKey;
      if (!start) break;
    }
    const page = items.slice(0, query.limit);
    const last = page[page.length - 1];
    return items.length > query.limit && last ? { items: page, next: customerPosition(last) } : { items: page };
  }

  async countByCustomer(query: Omit<CustomerDecisionQuery, 'limit' | 'after'>): Promise<number> {
    const { lower, upper } = sortKeyBounds(query.from, query.to);
    let count = 0;
    let start: Item | undefined;
    do {
      const out = await this.query('decisions.countByCustomer', {
        IndexName: BY_CUSTOMER_INDEX,
        ...this.customerKeyCondition(query.customerId, lower, upper),
        Select: 'COUNT',
        ExclusiveStartKey: start,
      });
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return count;
  }

  async putMany(decisions: readonly StoredDecision[]): Promise<void> {
    // One batch may not name a key twice; a later copy of an id wins, as a put would.
    const byId = new Map<string, StoredDecision>();
    for (const d of decisions) byId.set(d.id, d);
    const requests: WriteRequest[] = [...byId.values()].map((d) => ({ PutRequest: { Item: toItem(d) } }));
    await forEachConcurrently(chunk(requests, BATCH_WRITE_MAX), this.writeConcurrency, (batch) => this.writeBatch('decisions.putMany', batch));
  }

  async deleteByCustomer(customerId: string): Promise<number> {
    let deleted = 0;
    let start: Item | undefined;
    do {
      const out = await this.query('decisions.deleteByCustomer.find', {
        IndexName: BY_CUSTOMER_INDEX,
        ...this.customerKeyCondition(customerId, undefined, undefined),
        ProjectionExpression: '#id',
        ExpressionAttributeNames: { '#pk': 'customerId', '#id': 'id' },
        ExclusiveStartKey: start,
      });
      const requests: WriteRequest[] = (out.Items ?? []).map((item) => ({ DeleteRequest: { Key: { id: item.id } } }));
      await forEachConcurrently(chunk(requests, BATCH_WRITE_MAX), this.writeConcurrency, (batch) => this.writeBatch('decisions.deleteByCustomer', batch));
      deleted += requests.length;
      start = out.LastEvaluatedKey;
    } while (start);
    return deleted;
  }

  async ping(): Promise<void> {
    await dynamoCall(
      (opts) => this.clients.client.send(new DescribeTableCommand({ TableName: this.table }), opts),
      { label: 'decisions.ping', table: this.table, rows: () => 0 },
    );
  }

  private customerKeyCondition(customerId: string, lower: string | undefined, upper: string | undefined): Pick<QueryCommandInput, 'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
    const names = { '#pk': 'customerId', '#sk': 'decidedAtId' };
    if (lower !== undefined && upper !== undefined) {
      return { KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi', ExpressionAttributeNames: names, ExpressionAttributeValues: { ':pk': customerId, ':lo': lower, ':hi': upper } };
    }
    if (lower !== undefined) {
      return { KeyConditionExpression: '#pk = :pk AND #sk >= :lo', ExpressionAttributeNames: names, ExpressionAttributeValues: { ':pk': customerId, ':lo': lower } };
    }
    if (upper !== undefined) {
      return { KeyConditionExpression: '#pk = :pk AND #sk <= :hi', ExpressionAttributeNames: names, ExpressionAttributeValues: { ':pk': customerId, ':hi': upper } };
    }
    return { KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': 'customerId' }, ExpressionAttributeValues: { ':pk': customerId } };
  }

  private query(label: string, input: Omit<QueryCommandInput, 'TableName'>, userArgument?: string): Promise<QueryCommandOutput> {
    return dynamoCall(
      (opts) => this.clients.doc.send(new QueryCommand({ TableName: this.table, ReturnConsumedCapacity: 'TOTAL', ...input }), opts),
      { label, table: this.table, userArgument, rows: (o) => o.Count ?? 0 },
    );
  }

  /** One BatchWriteItem of at most 25 requests, resending unprocessed ones with backoff. */
  private async writeBatch(label: string, batch: WriteRequest[]): Promise<void> {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await this.backoff(attempt - 1, label, pending.length);
      const requests = pending;
      const out = await dynamoCall(
        (opts) => this.clients.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests }, ReturnConsumedCapacity: 'TOTAL' }), opts),
        { label, table: this.table, rows: (o) => requests.length - (o.UnprocessedItems?.[this.table]?.length ?? 0) },
      );
      pending = out.UnprocessedItems?.[this.table] ?? [];
    }
  }

  /** Waits before resending unprocessed batch items; gives up (retryable) after the policy's retries. */
  private async backoff(retry: number, label: string, left: number): Promise<void> {
    if (retry >= UNPROCESSED_BACKOFF.retries) {
      throw new AppError(ErrorCode.BACKEND_UNAVAILABLE, `DynamoDB is unavailable: table "${this.table}" left ${left} items unprocessed after ${retry + 1} attempts (throttled); retry later or raise its capacity`, {
        details: { backend: 'dynamodb', table: this.table, operation: label },
        retryable: true,
      });
    }
    await sleep(backoffDelayMs(retry, UNPROCESSED_BACKOFF), currentSignal());
  }
}
