import { z } from 'zod';
import { envBool, readEnv, type Env } from './env';

/**
 * OpenTelemetry traces (src/observability/tracing-sdk.ts), with the standard OTEL_*
 * variables: off unless an OTLP endpoint is set. The SDK itself also reads its
 * sampler and batch settings (OTEL_TRACES_SAMPLER, OTEL_BSP_*) from the environment.
 */
export interface TracingConfig {
  /** Where spans are sent (OTLP over HTTP, JSON); undefined: tracing off. */
  url: string | undefined;
  headers: Record<string, string>;
  serviceName: string;
}

const OTLP_PROTOCOLS = ['http/json'] as const;

export function readTracingConfig(env: Env): TracingConfig {
  const v = readEnv(env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, message: 'expected an http(s) URL, e.g. http://collector:4318' }).optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/, message: 'expected an http(s) URL, e.g. http://collector:4318/v1/traces' }).optional(),
    OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: z.string().optional(),
    OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(OTLP_PROTOCOLS, { message: 'lakegate exports OTLP over HTTP as JSON: set http/json or leave it unset' }).optional(),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(OTLP_PROTOCOLS, { message: 'lakegate exports OTLP over HTTP as JSON: set http/json or leave it unset' }).optional(),
    OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none'], { message: 'expected otlp or none' }).optional(),
    OTEL_SDK_DISABLED: envBool().default(false),
    OTEL_SERVICE_NAME: z.string().default('lakegate'),
  });
  const off = v.OTEL_SDK_DISABLED || v.OTEL_TRACES_EXPORTER === 'none';
  // The signal-specific endpoint is used as given; the base endpoint gets the signal's path (OTLP spec).
  const url = v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (v.OTEL_EXPORTER_OTLP_ENDPOINT ? `${v.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined);
  return {
    url: off ? undefined : url,
    headers: { ...parseHeaders(v.OTEL_EXPORTER_OTLP_HEADERS), ...parseHeaders(v.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
    serviceName: v.OTEL_SERVICE_NAME,
  };
}

/** `key1=value1,key2=value2`, values URL-encoded (the OTLP exporter specification's format). */
function parseHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}
