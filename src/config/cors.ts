import { z } from 'zod';
import { ConfigError, readEnv, type Env } from './env';

export interface CorsConfig {
  /** Exact origins (`scheme://host[:port]`) whose pages may call /graphql; empty: no CORS headers at all. */
  origins: string[];
}

/**
 * LAKEGATE_CORS_ORIGINS: comma-separated exact origins, each as a browser sends it in
 * `Origin` (lower-case scheme and host, no default port, no path, no trailing
 * slash), so that comparing strings is comparing origins. No wildcards: a page
 * that may call lakegate is named.
 */
export function readCorsConfig(env: Env): CorsConfig {
  const v = readEnv(env, {
    LAKEGATE_CORS_ORIGINS: z.string().optional(),
  });
  const origins: string[] = [];
  const problems: string[] = [];
  for (const given of (v.LAKEGATE_CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const problem = originProblem(given);
    if (problem) problems.push(`LAKEGATE_CORS_ORIGINS: ${JSON.stringify(given)} ${problem}`);
    else if (!origins.includes(given)) origins.push(given);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { origins };
}

function originProblem(given: string): string | undefined {
  if (given === '*' || given.includes('*')) return 'is a wildcard; list the exact origins (scheme://host[:port]) allowed to call lakegate';
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return 'is not an origin; expected scheme://host[:port], e.g. https://app.example.com';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'is not an http(s) origin; expected scheme://host[:port]';
  if (url.origin !== given) return `is not an origin as browsers send it; write ${url.origin} (no path, no trailing slash, lower case, no default port)`;
  return undefined;
}
