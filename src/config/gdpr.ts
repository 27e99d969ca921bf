import { envBool, readEnv, type Env } from './env';

/** Erasure settings. (Extended by the "GDPR erasure" work.) */
export interface GdprConfig {
  executorInServer: boolean;
}

export function readGdprConfig(env: Env): GdprConfig {
  const v = readEnv(env, { LAKEGATE_GDPR_EXECUTOR: envBool().default(true) });
  return { executorInServer: v.LAKEGATE_GDPR_EXECUTOR };
}
