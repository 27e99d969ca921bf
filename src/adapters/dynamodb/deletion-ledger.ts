import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { badInput } from '../../errors/app-error';
import type {
  DeletionLedger,
  DeletionListing,
  DeletionRequestRecord,
  DeletionSettlement,
  DeletionStatus,
  DeletionTargetRecord,
  IdempotencyClaim,
  NewDeletionRequest,
} from '../../ports/deletion-ledger';
import type { StorePosition } from '../../ports/decision-store';
import { hasExactKeys, isId, isInstantIdKey } from '../../util/cursor';
import { dynamoCall } from './call';
import type { DynamoClients } from './client';
import {
  BY_REQUESTED_AT_INDEX,
  BY_STATUS_INDEX,
  REQUEST_ITEM_TYPE,
  fromRequestItem,
  idempotencyKey,
  requestKey,
  requestedAtId,
  subjectKey,
  targetItem,
  toRequestItem,
} from './deletion-ledger-item';
import { dynamoErrorName } from './errors';

export interface DynamoDeletionLedgerOptions {
  /** Physical name of the table (config.aws.dynamodb.deletionLedgerTable). */
  table: string;
}

type Item = Record<string, unknown>;
const CONDITION_FAILED = 'ConditionalCheckFailedException';
const OPEN_STATUSES: DeletionStatus[] = ['PENDING', 'RUNNING', 'FAILED'];

/**
 * The deletion ledger in DynamoDB (see deletion-ledger-item.ts for the items).
 * Every write is a single-item conditional write, so it runs on dynalite (no
 * transactions), DynamoDB Local and DynamoDB alike. Reads of one item are
 * strongly consistent; index reads (listing, claim candidates) are eventually
 * consistent, which is why a claim is decided by the conditional write alone.
 */
export class DynamoDeletionLedger implements DeletionLedger {
  readonly table: string;

  constructor(
    private readonly clients: DynamoClients,
    options: DynamoDeletionLedgerOptions,
  ) {
    this.table = options.table;
  }

  // --- intake -------------------------------------------------------------------

  async claimIdempotencyKey(keyHash: string, requestId: string, subjectHash: string, at: string): Promise<IdempotencyClaim> {
    const pk = idempotencyKey(keyHash);
    const put = await this.conditionalPut('deletions.claimKey', { pk, requestId, subjectHash, createdAt: at }, 'attribute_not_exists(pk)');
    if (put) return { requestId, subjectHash, created: true };
    const existing = await this.getItem('deletions.readKey', pk);
    if (!existing) return this.claimIdempotencyKey(keyHash, requestId, subjectHash, at); // cannot be deleted; defensive
    return { requestId: String(existing.requestId), subjectHash: String(existing.subjectHash), created: false };
  }

  async repointIdempotencyKey(keyHash: string, fromId: string, toId: string): Promise<void> {
    await this.conditionalUpdate('deletions.repointKey', {
      Key: { pk: idempotencyKey(keyHash) },
      UpdateExpression: 'SET requestId = :to',
      ConditionExpression: 'requestId = :from',
      ExpressionAttributeValues: { ':from': fromId, ':to': toId },
    });
  }

  async claimSubject(subjectHash: string, requestId: string): Promise<string> {
    const pk = subjectKey(subjectHash);
    const ok = await this.conditionalUpdate('deletions.claimSubject', {
      Key: { pk },
      UpdateExpression: 'SET openRequestId = :id',
      ConditionExpression: 'attribute_not_exists(openRequestId) OR openRequestId = :id',
      ExpressionAttributeValues: { ':id': requestId },
    });
    if (ok) return requestId;
    const holder = await this.getItem('deletions.readSubject', pk);
    return holder?.openRequestId ? String(holder.openRequestId) : this.claimSubject(subjectHash, requestId);
  }

  replaceSubjectHolder(subjectHash: string, fromId: string, toId: string): Promise<boolean> {
    return this.conditionalUpdate('deletions.replaceSubject', {
      Key: { pk: subjectKey(subjectHash) },
      UpdateExpression: 'SET openRequestId = :to',
      ConditionExpression: 'openRequestId = :from',
      ExpressionAttributeValues: { ':from': fromId, ':to': toId },
    });
  }

  async releaseSubject(subjectHash: string, requestId: string): Promise<void> {
    await this.conditionalUpdate('deletions.releaseSubject', {
      Key: { pk: subjectKey(subjectHash) },
      UpdateExpression: 'REMOVE openRequestId',
      ConditionExpression: 'openRequestId = :id',
      ExpressionAttributeValues: { ':id': requestId },
    });
  }

  async createRequest(request: NewDeletionRequest): Promise<{ created: boolean; request: DeletionRequestRecord }> {
    const item = toRequestItem(request);
    if (await this.conditionalPut('deletions.create', item as unknown as Item, 'attribute_not_exists(pk)')) {
      return { created: true, request: fromRequestItem(item as unknown as Item) };
    }
    const existing = await this.get(request.id);
    if (!existing) throw new Error(`deletion request ${request.id} exists and cannot be read`);
    return { created: false, request: existing };
  }

  // --- reads --------------------------------------------------------------------

  async get(id: string): Promise<DeletionRequestRecord | null> {
    const item = await this.getItem('deletions.get', requestKey(id));
    return item && item.itemType === REQUEST_ITEM_TYPE ? fromRequestItem(item) : null;
  }

  async list(query: { status?: DeletionStatus; limit: number; after?: StorePosition }): Promise<DeletionListing> {
    if (query.limit < 1) return { items: [], positions: [] };
    const wanted = query.limit + 1; // one more tells whether a page follows
    const items: DeletionRequestRecord[] = [];
    let start: Item | undefined = query.after;
    while (items.length < wanted) {
      const out = await this.query(
        'deletions.list',
        { ...this.listingCondition(query.status), ScanIndexForward: false, Limit: wanted - items.length, ExclusiveStartKey: start },
        query.after ? 'after' : undefined,
      );
      for (const item of out.Items ?? []) items.push(fromRequestItem(item));
      start = out.LastEvaluatedKey;
      if (!start) break;
    }
    const page = items.slice(0, query.limit);
    const positions = page.map((r) => listingPosition(r, query.status));
    const last = positions[positions.length - 1];
    return items.length > query.limit && last ? { items: page, positions, next: last } : { items: page, positions };
  }

  async count(query: { status?: DeletionStatus }): Promise<number> {
    let count = 0;
    let start: Item | undefined;
    do {
      const out = await this.query('deletions.count', { ...this.listingCondition(query.status), Select: 'COUNT', ExclusiveStartKey: start });
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return count;
  }

  async countOpen(): Promise<number> {
    let total = 0;
    for (const status of OPEN_STATUSES) total += await this.count({ status });
    return total;
  }

  // --- execution ------------------------------------------------------------------

  async claimable(now: number, limit: number): Promise<DeletionRequestRecord[]> {
    const found: DeletionRequestRecord[] = [];
    // A crashed executor's work first, then new requests, then retries; oldest first in each.
    for (const status of ['RUNNING', 'PENDING', 'FAILED'] as const) {
      let start: Item | undefined;
      do {
        const out = await this.query('deletions.claimable', {
          IndexName: BY_STATUS_INDEX,
          KeyConditionExpression: '#status = :status',
          FilterExpression: '(attribute_not_exists(leaseExpiresAt) OR leaseExpiresAt < :now) AND (attribute_not_exists(nextAttemptAt) OR nextAttemptAt <= :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ':now': now },
          ScanIndexForward: true,
          Limit: Math.max(25, limit - found.length),
          ExclusiveStartKey: start,
        });
        for (const item of out.Items ?? []) found.push(fromRequestItem(item));
        start = out.LastEvaluatedKey;
      } while (start && found.length < limit);
      if (found.length >= limit) break;
    }
    return found.slice(0, limit);
  }

  async acquireLease(id: string, owner: string, now: number, leaseMs: number): Promise<DeletionRequestRecord | null> {
    const out = await dynamoCall(
      async (opts) => {
        try {
          return await this.clients.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key: { pk: requestKey(id) },
              UpdateExpression:
                'SET leaseOwner = :owner, leaseExpiresAt = :expires, #status = :running, startedAt = if_not_exists(startedAt, :nowIso), attempts = if_not_exists(attempts, :zero) + :one REMOVE nextAttemptAt',
              ConditionExpression:
                'itemType = :request AND #status IN (:pending, :running, :failed) AND (attribute_not_exists(leaseExpiresAt) OR leaseExpiresAt < :now) AND (attribute_not_exists(nextAttemptAt) OR nextAttemptAt <= :now)',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':owner': owner,
                ':expires': now + leaseMs,
                ':now': now,
                ':nowIso': new Date(now).toISOString(),
                ':zero': 0,
                ':one': 1,
                ':request': REQUEST_ITEM_TYPE,
                ':pending': 'PENDING',
                ':running': 'RUNNING',
                ':failed': 'FAILED',
              },
              ReturnValues: 'ALL_NEW',
              ReturnConsumedCapacity: 'TOTAL',
            }),
            opts,
          );
        } catch (error) {
          if (dynamoErrorName(error) === CONDITION_FAILED) return { conditionFailed: true as const };
          throw error;
        }
      },
      { label: 'deletions.acquireLease', table: this.table, rows: (o) => ('conditionFailed' in o ? 0 : 1), cancellable: false },
    );
    return 'conditionFailed' in out || !out.Attributes ? null : fromRequestItem(out.Attributes);
  }

  renewLease(id: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    return this.conditionalUpdate('deletions.renewLease', {
      Key: { pk: requestKey(id) },
      UpdateExpression: 'SET leaseExpiresAt = :expires',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: { ':owner': owner, ':expires': now + leaseMs },
    });
  }

  updateTarget(id: string, owner: string, target: DeletionTargetRecord): Promise<boolean> {
    return this.conditionalUpdate('deletions.updateTarget', {
      Key: { pk: requestKey(id) },
      UpdateExpression: 'SET targets.#store = :target',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeNames: { '#store': target.store },
      ExpressionAttributeValues: { ':owner': owner, ':target': targetItem(target) },
    });
  }

  settle(id: string, owner: string, settlement: DeletionSettlement): Promise<boolean> {
    const values: Item = { ':owner': owner };
    const names: Record<string, string> = {};
    let set: string[] = [];
    let remove = ['leaseOwner', 'leaseExpiresAt'];
    switch (settlement.status) {
      case 'COMPLETED':
        names['#status'] = 'status';
        set = ['#status = :status', 'completedAt = :completedAt', 'verifiedAt = :verifiedAt'];
        Object.assign(values, { ':status': 'COMPLETED', ':completedAt': settlement.completedAt, ':verifiedAt': settlement.verifiedAt });
        // The raw subject id leaves the ledger in the same write that records the proof.
        remove = [...remove, 'subjectId', 'nextAttemptAt', 'lastError'];
        break;
      case 'FAILED':
        names['#status'] = 'status';
        set = ['#status = :status', 'lastError = :lastError', 'nextAttemptAt = :next'];
        Object.assign(values, { ':status': 'FAILED', ':lastError': settlement.lastError, ':next': Date.parse(settlement.nextAttemptAt) });
        break;
      case 'RUNNING':
        set = ['nextAttemptAt = :next'];
        Object.assign(values, { ':next': Date.parse(settlement.nextAttemptAt) });
        break;
      case 'RELEASED':
        break;
    }
    return this.conditionalUpdate('deletions.settle', {
      Key: { pk: requestKey(id) },
      UpdateExpression: `${set.length > 0 ? `SET ${set.join(', ')} ` : ''}REMOVE ${remove.join(', ')}`,
      ConditionExpression: 'leaseOwner = :owner',
      ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    });
  }

  retryNow(id: string, now: number): Promise<boolean> {
    return this.conditionalUpdate('deletions.retryNow', {
      Key: { pk: requestKey(id) },
      UpdateExpression: 'SET nextAttemptAt = :now',
      ConditionExpression: 'itemType = :request AND #status = :failed AND nextAttemptAt > :now AND (attribute_not_exists(leaseExpiresAt) OR leaseExpiresAt < :now)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':now': now, ':request': REQUEST_ITEM_TYPE, ':failed': 'FAILED' },
    });
  }

  async ping(): Promise<void> {
    await dynamoCall((opts) => this.clients.client.send(new DescribeTableCommand({ TableName: this.table }), opts), {
      label: 'deletions.ping',
      table: this.table,
      rows: () => 0,
    });
  }

  // --- helpers ---------------------------------------------------------------------

  private listingCondition(status: DeletionStatus | undefined): Pick<QueryCommandInput, 'IndexName' | 'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
    if (status) {
      return { IndexName: BY_STATUS_INDEX, KeyConditionExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':status': status } };
    }
    return { IndexName: BY_REQUESTED_AT_INDEX, KeyConditionExpression: 'itemType = :type', ExpressionAttributeValues: { ':type': REQUEST_ITEM_TYPE } };
  }

  private query(label: string, input: Omit<QueryCommandInput, 'TableName'>, userArgument?: string): Promise<QueryCommandOutput> {
    if (input.ExclusiveStartKey && userArgument && !isPosition(input.ExclusiveStartKey, input.ExpressionAttributeValues?.[':status'])) throw badInput(userArgument, 'is not a position this query can resume from; pass pageInfo.endCursor from the previous page');
    return dynamoCall((opts) => this.clients.doc.send(new QueryCommand({ TableName: this.table, ReturnConsumedCapacity: 'TOTAL', ...input }), opts), {
      label,
      table: this.table,
      userArgument,
      rows: (o) => o.Count ?? 0,
    });
  }

  private async getItem(label: string, pk: string): Promise<Item | undefined> {
    const out = await dynamoCall(
      (opts) => this.clients.doc.send(new GetCommand({ TableName: this.table, Key: { pk }, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }), opts),
      { label, table: this.table, rows: (o) => (o.Item ? 1 : 0) },
    );
    return out.Item;
  }

  /** A put that only happens when `condition` holds; false when it did not. */
  private async conditionalPut(label: string, item: Item, condition: string): Promise<boolean> {
    const out = await dynamoCall(
      async (opts) => {
        try {
          return await this.clients.doc.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: condition, ReturnConsumedCapacity: 'TOTAL' }), opts);
        } catch (error) {
          if (dynamoErrorName(error) === CONDITION_FAILED) return { conditionFailed: true as const };
          throw error;
        }
      },
      { label, table: this.table, rows: (o) => ('conditionFailed' in o ? 0 : 1), cancellable: false },
    );
    return !('conditionFailed' in out);
  }

  /** An update that only happens when its condition holds; false when it did not. */
  private async conditionalUpdate(
    label: string,
    input: { Key: Item; UpdateExpression: string; ConditionExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Item },
  ): Promise<boolean> {
    const out = await dynamoCall(
      async (opts) => {
        try {
          return await this.clients.doc.send(new UpdateCommand({ TableName: this.table, ReturnConsumedCapacity: 'TOTAL', ...input }), opts);
        } catch (error) {
          if (dynamoErrorName(error) === CONDITION_FAILED) return { conditionFailed: true as const };
          throw error;
        }
      },
      // Ledger writes finish even when the request that caused them goes away: a
      // half-done intake is repaired by the next call, but there is no need to make one.
      { label, table: this.table, rows: (o) => ('conditionFailed' in o ? 0 : 1), cancellable: false },
    );
    return !('conditionFailed' in out);
  }
}

/** The index key of a listed request: what LastEvaluatedKey would hold after it. */
function listingPosition(r: DeletionRequestRecord, status: DeletionStatus | undefined): StorePosition {
  const base = { pk: requestKey(r.id), requestedAtId: requestedAtId(r.requestedAt, r.id) };
  return status ? { ...base, status: r.status } : { ...base, itemType: REQUEST_ITEM_TYPE };
}

/**
 * A listing position handed back by a caller, exactly as listingPosition builds
 * it: the request key, `${requestedAt}#${id}` of the same id, and the listed
 * status (byStatus) or the request item type (byRequestedAt).
 */
function isPosition(p: Item, status: unknown): boolean {
  const id = typeof p.pk === 'string' && p.pk.startsWith('request#') ? p.pk.slice('request#'.length) : '';
  if (!isId(id) || p.pk !== requestKey(id) || !isInstantIdKey(p.requestedAtId, id)) return false;
  return status === undefined ? hasExactKeys(p, ['pk', 'requestedAtId', 'itemType']) && p.itemType === REQUEST_ITEM_TYPE : hasExactKeys(p, ['pk', 'requestedAtId', 'status']) && p.status === status;
}
