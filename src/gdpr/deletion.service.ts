import { AppError, ErrorCode, badInput } from '../errors/app-error';
import type { DeletionLedger, DeletionStatus } from '../ports/deletion-ledger';
import type { StorePosition } from '../ports/decision-store';
import { foldWords, identifier, personalDataKinds, text } from '../services/validation';
import { queryFingerprint, type CursorCodec } from '../util/cursor';
import { sha256Hex, subjectHash } from '../util/hash';
import { makePage, pageSize, type Page } from '../util/pagination';
import { dueBy, pendingTarget, toDeletionView, withholdOthers, type DeletionRequestView } from './deletion-view';
import { newDeletionRequestId } from './request-id';
import { sealSubject } from './subject-seal';

export interface DeletionRequestInput {
  customerId: string;
  reason?: string | null;
  idempotencyKey?: string | null;
}

export interface DeletionListArgs {
  status?: DeletionStatus | null;
  first?: number | null;
  after?: string | null;
}

export interface DeletionServiceOptions {
  /** Key of the subject hash (the app's subject-hash key). */
  subjectHashKey: string;
  /** Signs and checks the listing's cursors (the app's cursor key). */
  cursors: CursorCodec;
  /** Stores a request has a target in, in erasure order. */
  stores: readonly string[];
  /**
   * The subject's names as the stores hold them (the warehouse's customer dimension),
   * so that a reason naming the customer is refused; none when unknown.
   */
  subjectNames?: (customerId: string) => Promise<readonly string[]>;
  clock?: () => number;
  newId?: (now: number) => string;
}

const STATUSES: ReadonlySet<string> = new Set(['PENDING', 'RUNNING', 'COMPLETED', 'FAILED']);
const MAX_REASON = 500;
/** Name parts shorter than this are not looked for on their own (initials, "Xu" still count inside the full name). */
const MIN_NAME_PART = 3;
const MAX_IDEMPOTENCY_KEY = 128;
/** Rounds of the intake's repair loop (a subject holder that finished meanwhile, ...). */
const INTAKE_ROUNDS = 5;

/** A ledger position: a few short strings of id characters (the ledger checks its exact key shape before use). */
const isPosition = (p: unknown): p is StorePosition =>
  !!p &&
  typeof p === 'object' &&
  !Array.isArray(p) &&
  Object.keys(p).length <= 4 &&
  Object.values(p).every((v) => typeof v === 'string' && /^[A-Za-z0-9_.:#-]{1,300}$/.test(v));

/**
 * GDPR deletion requests: intake (requestDeletion) and reads. Intake is durable
 * before it answers and needs no transaction. The writes, in order:
 *
 *   1. idempotency key -> request id (only if the key is new; else we adopt its id)
 *   2. subject -> open request id (only if the subject has none, or it is ours)
 *   3. the request item (only if its id is new)
 *
 * Every step is a conditional write that the same call can repeat, so a crash
 * between two of them is repaired by the next identical call: it finds the key
 * (1), then its own claim on the subject (2), and writes the missing request (3).
 * Calls racing with the same key all adopt the id of the first key write; calls
 * for a subject with an open request get that request back (a request whose item
 * is missing because its caller crashed is written by whoever comes next).
 */
export class DeletionService {
  private readonly clock: () => number;
  private readonly newId: (now: number) => string;
  private readonly listeners = new Set<(request: DeletionRequestView) => void>();

  constructor(
    private readonly ledger: DeletionLedger,
    private readonly options: DeletionServiceOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.newId = options.newId ?? newDeletionRequestId;
  }

  /** Called after a new request is recorded (the in-process executor wakes up). */
  onRequested(listener: (request: DeletionRequestView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Records the request (or returns the subject's open one). `access.readRequests`:
   * the caller may read deletion requests (gdpr:read); without it, another
   * principal's request comes back without who asked and why (withholdOthers).
   */
  async request(input: DeletionRequestInput, requestedBy: string, access: { readRequests?: boolean } = {}): Promise<DeletionRequestView> {
    const view = await this.record(input, requestedBy);
    return view.requestedBy === requestedBy || access.readRequests ? view : withholdOthers(view);
  }

  private async record(input: DeletionRequestInput, requestedBy: string): Promise<DeletionRequestView> {
    const customerId = identifier('input.customerId', input.customerId);
    const reason = input.reason === null || input.reason === undefined ? null : await this.checkReason(text('input.reason', input.reason, { max: MAX_REASON }), customerId);
    const key = input.idempotencyKey === null || input.idempotencyKey === undefined ? null : text('input.idempotencyKey', input.idempotencyKey, { max: MAX_IDEMPOTENCY_KEY });
    const hash = subjectHash(this.options.subjectHashKey, customerId);
    const now = this.clock();
    const requestedAt = new Date(now).toISOString();

    let id = this.newId(now);
    // Keys are scoped to the caller: two services choosing the same key do not collide.
    const keyHash = key === null ? null : sha256Hex(`${requestedBy}\n${key}`);
    if (keyHash !== null) {
      const claim = await this.ledger.claimIdempotencyKey(keyHash, id, hash, requestedAt);
      if (claim.subjectHash !== hash) {
        throw badInput('input.idempotencyKey', 'was already used for a request about another customer; use a new key for each request');
      }
      id = claim.requestId;
    }

    for (let round = 0; round < INTAKE_ROUNDS; round++) {
      const holder = await this.ledger.claimSubject(hash, id);
      if (holder !== id) {
        const open = await this.ledger.get(holder);
        if (open?.status === 'COMPLETED') {
          // The holder finished but its release did not happen (crash): take its place.
          await this.ledger.replaceSubjectHolder(hash, holder, id);
          continue;
        }
        // The subject's open request answers this call; the key now names it too.
        if (keyHash !== null) await this.ledger.repointIdempotencyKey(keyHash, id, holder);
        if (open) return toDeletionView(open, this.clock());
        id = holder; // its caller crashed before writing it (or is writing it now): write it
      }
      const { created, request } = await this.ledger.createRequest({
        id,
        subjectType: 'customer',
        subjectHash: hash,
        // Sealed: no version of the item (the ledger rewrites it on every update) holds the raw id.
        subjectId: sealSubject(this.options.subjectHashKey, customerId),
        reason,
        requestedBy,
        requestedAt,
        dueBy: dueBy(requestedAt),
        targets: this.options.stores.map(pendingTarget),
        idempotencyKeyHash: keyHash,
      });
      const view = toDeletionView(request, this.clock());
      if (created) for (const listener of this.listeners) listener(view);
      return view;
    }
    throw new AppError(ErrorCode.CONFLICT, 'the deletion request is being recorded concurrently by another call; retry with the same idempotencyKey', { retryable: true });
  }

  /**
   * The reason is kept verbatim in the audit record, which must hold no personal
   * data: a reason with an email address, a phone number, the customer's id or the
   * customer's name is refused (BAD_USER_INPUT on input.reason, saying what was found
   * but never echoing it), not stored redacted: the caller learns to send a reason
   * without them, and the audit record holds only what the caller wrote.
   */
  private async checkReason(reason: string, customerId: string): Promise<string> {
    const found: string[] = personalDataKinds(reason);
    if (reason.toLowerCase().includes(customerId.toLowerCase())) found.push("the customer's id");
    if (found.length === 0 && this.options.subjectNames) {
      let names: readonly string[];
      try {
        names = await this.options.subjectNames(customerId);
      } catch (error) {
        throw new AppError(
          ErrorCode.BACKEND_UNAVAILABLE,
          "input.reason: could not be checked for the customer's name (the customer dimension did not answer); retry, or leave reason out",
          { details: { argument: 'input.reason' }, cause: error, retryable: true },
        );
      }
      if (names.some((name) => nameIn(reason, name))) found.push("the customer's name");
    }
    if (found.length > 0) {
      throw badInput(
        'input.reason',
        `must not hold personal data (it is kept in the audit record): it holds ${joinWords(found)}. Say why without them, e.g. "GDPR Art. 17 request, ticket #4711"; the customer is named by input.customerId`,
        { found },
      );
    }
    return reason;
  }

  async get(id: string): Promise<DeletionRequestView | null> {
    const record = await this.ledger.get(identifier('id', id));
    return record ? toDeletionView(record, this.clock()) : null;
  }

  async list(args: DeletionListArgs): Promise<Page<DeletionRequestView>> {
    const status = args.status ?? undefined;
    if (status !== undefined && !STATUSES.has(status)) throw badInput('status', `must be one of ${[...STATUSES].join(', ')}`);
    const limit = pageSize(args.first);
    const fingerprint = queryFingerprint({ q: 'deletionRequests', status: status ?? null });
    const after = args.after ? this.options.cursors.decode(args.after, fingerprint, isPosition) : undefined;
    const listing = await this.ledger.list({ status, limit, after });
    const now = this.clock();
    const positions = new Map(listing.items.map((r, i) => [r.id, listing.positions[i]!]));
    return makePage(
      listing.items.map((r) => toDeletionView(r, now)),
      (r) => this.options.cursors.encode(fingerprint, positions.get(r.id)!),
      listing.next !== undefined,
      after !== undefined,
      () => this.ledger.count({ status }),
    );
  }
}

/** The full name, or any part of it of MIN_NAME_PART letters or more, as whole words (case and accents ignored). */
function nameIn(text: string, name: string): boolean {
  const haystack = foldWords(text);
  const full = foldWords(name);
  if (full.trim() === '') return false;
  if (haystack.includes(full)) return true;
  return full
    .trim()
    .split(' ')
    .some((part) => part.length >= MIN_NAME_PART && haystack.includes(` ${part} `));
}

function joinWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
