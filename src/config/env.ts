import { z } from 'zod';

/**
 * Reads a group of environment variables with a zod schema whose keys are the
 * variable names, so every problem names the setting to fix.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export function readEnv<S extends z.ZodRawShape>(env: Env, shape: S): z.infer<z.ZodObject<S>> {
  const schema = z.object(shape);
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    // An empty variable means "not set": shells and compose files often export FOO=.
    input[key] = value === undefined || value.trim() === '' ? undefined : value.trim();
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '?');
        const got = input[name];
        return `${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
      }),
    );
  }
  return result.data;
}

/** Collects ConfigErrors from several sections so the operator sees all problems at once. */
export function collect<T>(problems: string[], read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof ConfigError) {
      problems.push(...error.problems);
      return undefined;
    }
    throw error;
  }
}

export const envInt = (min: number, max: number) => z.coerce.number().int(`expected an integer`).min(min).max(max);
export const envNumber = (min: number, max: number) => z.coerce.number().min(min).max(max);
export const envBool = () =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'expected true or false' })
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
export const envList = () => z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));
