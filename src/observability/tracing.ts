import { context, createContextKey, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import type { QueryStats } from '../ports/sql-engine';

/**
 * lakegate's spans, over the OpenTelemetry API only (the SDK is started by
 * tracing-sdk.ts when an OTLP endpoint is configured). Off, every helper here is a
 * flag check: no span, no context switch.
 *
 * The tree of a GraphQL request:
 *   `query Name` (SERVER, from the HTTP layer; a caller's W3C traceparent is its parent)
 *     `Query.eventStats` (a resolver, only when it reaches a backend or the cache)
 *       `duckdb eventStats.lake` (one per backend query: accountQuery's stats as attributes)
 *         `DynamoDB.Query` (AWS SDK calls, src/adapters/aws-tracing.ts)
 * and outside requests, e.g. `gdpr.erasure_pass` > `gdpr.step decisions` > backend queries.
 */
let enabled = false;

export function tracingEnabled(): boolean {
  return enabled;
}

/** Set by the SDK's start and shutdown (tracing-sdk.ts). */
export function setTracingEnabled(on: boolean): void {
  enabled = on;
}

const tracer = () => trace.getTracer('lakegate');

/** Epoch milliseconds with sub-millisecond precision (what span start and end times take). */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

function markError(span: Span, error: unknown): void {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  // The code only: messages may name a customer (they are logged, under the request id, with redaction).
  span.setStatus({ code: SpanStatusCode.ERROR, message: code ?? (error instanceof Error ? error.name : 'error') });
  if (code) span.setAttribute('lakegate.error_code', code);
}

// ---------------------------------------------------------------------------
// Resolvers: a span only for those that reach a backend or the cache, made when
// the first backend query (or cache read) of the resolver starts.

const RESOLVER = createContextKey('lakegate.resolver');

interface ResolverFrame {
  name: string;
  attributes: Attributes;
  parent: Context;
  startTime: number;
  span?: Span;
}

/**
 * The context new spans hang under: the current resolver's span (made now if
 * needed), else the active span. Undefined outside any span: background polls
 * (the executor looking for work, ledger flushes, the lake watcher) make no root
 * spans of their own.
 */
function spanParent(): Context | undefined {
  const active = context.active();
  const frame = active.getValue(RESOLVER) as ResolverFrame | undefined;
  if (!frame) return trace.getSpan(active) ? active : undefined;
  frame.span ??= tracer().startSpan(frame.name, { attributes: frame.attributes, startTime: frame.startTime }, frame.parent);
  return trace.setSpan(active.deleteValue(RESOLVER), frame.span);
}

function endFrame(frame: ResolverFrame, error?: unknown): void {
  if (!frame.span) return;
  if (error !== undefined) markError(frame.span, error);
  frame.span.end();
}

/** Runs a field resolver (src/server/trace-resolvers.ts); its span exists only if it reaches a backend. */
export function runInResolverFrame<T>(name: string, attributes: Attributes, resolve: () => T): T {
  const parent = context.active();
  const frame: ResolverFrame = { name, attributes, parent, startTime: nowMs() };
  let result: T;
  try {
    result = context.with(parent.setValue(RESOLVER, frame), resolve);
  } catch (error) {
    endFrame(frame, error);
    throw error;
  }
  if (result instanceof Promise) {
    result.then(
      () => endFrame(frame),
      (error: unknown) => endFrame(frame, error),
    );
  } else {
    endFrame(frame);
  }
  return result;
}

// ---------------------------------------------------------------------------
// Backend queries

/** Spans of backend work not yet given their query's stats (named and filled by the first accountQuery inside). */
const unaccounted = new WeakSet<Span>();

/** Runs one backend call (trackBackendWork) in a span of its own; accountQuery names it and adds the stats. */
export async function traceBackendWork<T>(run: () => Promise<T>): Promise<T> {
  const parent = spanParent();
  if (!parent) return run();
  const span = tracer().startSpan('backend query', { kind: SpanKind.CLIENT }, parent);
  unaccounted.add(span);
  try {
    return await context.with(trace.setSpan(parent, span), run);
  } catch (error) {
    markError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

const DB_SYSTEMS: Partial<Record<QueryStats['backend'], string>> = { duckdb: 'duckdb', athena: 'aws.athena', redshift: 'aws.redshift', dynamodb: 'aws.dynamodb' };

function statsAttributes(stats: QueryStats): Attributes {
  const attributes: Attributes = {
    'lakegate.engine': stats.backend,
    'lakegate.query.label': stats.label,
    'lakegate.rows': stats.rows,
    'lakegate.bytes_scanned': stats.bytesScanned,
    'lakegate.cost_usd': stats.costUsd,
    'lakegate.ms': Math.round(stats.ms * 1000) / 1000,
  };
  const system = DB_SYSTEMS[stats.backend];
  if (system) attributes['db.system.name'] = system;
  if (stats.engineMs !== undefined) attributes['lakegate.engine_ms'] = stats.engineMs;
  if (stats.queueMs !== undefined) attributes['lakegate.queue_ms'] = stats.queueMs;
  if (stats.queryId !== undefined) attributes['lakegate.query_id'] = stats.queryId;
  if (stats.partitions !== undefined) attributes['lakegate.partitions'] = stats.partitions;
  if (stats.files !== undefined) attributes['lakegate.files'] = stats.files;
  if (stats.capacityUnits !== undefined) attributes['lakegate.capacity_units'] = stats.capacityUnits;
  return attributes;
}

/**
 * A backend query's stats (from accountQuery): they fill the span of the backend
 * call that runs it, or, for calls accounted outside trackBackendWork (and for a
 * second query of one call), a span of their own ending now.
 */
export function traceQueryStats(stats: QueryStats): void {
  const name = `${stats.backend} ${stats.label}`;
  const attributes = statsAttributes(stats);
  const active = trace.getActiveSpan();
  if (active && unaccounted.has(active)) {
    unaccounted.delete(active);
    active.updateName(name);
    active.setAttributes(attributes);
    return;
  }
  const parent = spanParent();
  if (!parent) return;
  const end = nowMs();
  tracer().startSpan(name, { kind: SpanKind.CLIENT, startTime: end - stats.ms, attributes }, parent).end(end);
}

/** A cache read (accountCache): an event with its status on the current resolver's span. */
export function traceCacheRead(label: string, status: string): void {
  const parent = spanParent();
  const span = parent && trace.getSpan(parent);
  if (!span) return;
  span.addEvent('cache', { 'lakegate.cache.label': label, 'lakegate.cache.status': status });
  span.setAttribute('lakegate.cache.status', status);
}

// ---------------------------------------------------------------------------
// Operations and background work

/** The span of one HTTP request to /graphql, child of the caller's W3C trace context (traceparent) if any. */
export function runInRequestSpan<T>(headers: Record<string, string | string[] | undefined>, attributes: Attributes, run: () => Promise<T>): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  return tracer().startActiveSpan('graphql', { kind: SpanKind.SERVER, attributes }, parent, async (span) => {
    try {
      return await run();
    } catch (error) {
      markError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The span of the request being served (for the Apollo plugin that names it), if tracing. */
export function currentRequestSpan(): Span | undefined {
  return enabled ? trace.getActiveSpan() : undefined;
}

export function markSpanFailed(span: Span, codes: readonly string[]): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(',') });
}

/** Runs background work (an erasure pass, one of its steps) in a span; the attributes may be added to as it runs. */
export async function withSpan<T>(name: string, attributes: Attributes, run: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!enabled) return run(undefined);
  const parent = spanParent() ?? context.active();
  const span = tracer().startSpan(name, { attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => run(span));
  } catch (error) {
    markError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** The W3C trace context of the current span, for outgoing calls (AWS SDK requests). */
export function injectTraceContext(headers: Record<string, string>): void {
  propagation.inject(context.active(), headers);
}

/** A client span around one outgoing call (an AWS SDK command), active while it runs. */
export async function withClientSpan<T>(name: string, attributes: Attributes, run: () => Promise<T>, onResult?: (span: Span, value: T) => void): Promise<T> {
  const parent = spanParent();
  if (!parent) return run();
  const span = tracer().startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
  try {
    const value = await context.with(trace.setSpan(parent, span), run);
    onResult?.(span, value);
    return value;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
    throw error;
  } finally {
    span.end();
  }
}
