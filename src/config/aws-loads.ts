import { z } from 'zod';
import { ConfigError, envBool, readEnv, type Env } from './env';

/**
 * Settings of the load workflow on AWS (landing -> lake -> warehouse), required
 * when the lake is on Athena and the warehouse on Redshift: each day's aggregates
 * are UNLOADed by Athena to the export location and COPYed from there by Redshift,
 * which reads them with the COPY role. The landing and quarantine tables live
 * under LAKEGATE_ATHENA_LAKE_LOCATION (migrations/athena).
 */
export interface AwsLoadsConfig {
  /** s3:// prefix (ending in '/') where Athena UNLOADs the daily aggregates; undefined only when not required. */
  exportLocation: string | undefined;
  /** IAM role Redshift assumes for COPY (s3:GetObject and s3:ListBucket on the export location). */
  copyRoleArn: string | undefined;
  /** Path-style S3 requests, for S3-compatible endpoints and local emulators. */
  s3ForcePathStyle: boolean;
}

const S3_PREFIX = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^'\\\s]*)?$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/;

/** `required`: LAKEGATE_LAKE=athena and LAKEGATE_WAREHOUSE=redshift-data, and the load scheduler on (LAKEGATE_LOADS_SCHEDULER=false turns loads off and these settings optional). */
export function readAwsLoadsConfig(env: Env, required: boolean): AwsLoadsConfig {
  const v = readEnv(env, {
    LAKEGATE_ATHENA_EXPORT_LOCATION: z.string().regex(S3_PREFIX, 'expected an S3 URI such as s3://my-bucket/lakegate/exports/').optional(),
    LAKEGATE_REDSHIFT_COPY_ROLE_ARN: z.string().regex(ROLE_ARN, 'expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)').optional(),
    LAKEGATE_S3_FORCE_PATH_STYLE: envBool().default(false),
  });
  const problems: string[] = [];
  if (required && !v.LAKEGATE_ATHENA_EXPORT_LOCATION) {
    problems.push(
      'LAKEGATE_ATHENA_EXPORT_LOCATION: required when the lake uses Athena and the warehouse Redshift (loads UNLOAD each day there for Redshift to COPY); set an s3:// prefix, e.g. s3://my-bucket/lakegate/exports/ (or LAKEGATE_LOADS_SCHEDULER=false to run without loads)',
    );
  }
  if (required && !v.LAKEGATE_REDSHIFT_COPY_ROLE_ARN) {
    problems.push(
      'LAKEGATE_REDSHIFT_COPY_ROLE_ARN: required when the lake uses Athena and the warehouse Redshift; set the ARN of the IAM role associated with the Redshift workgroup or cluster that may read LAKEGATE_ATHENA_EXPORT_LOCATION',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const exportLocation = v.LAKEGATE_ATHENA_EXPORT_LOCATION;
  return {
    exportLocation: exportLocation === undefined ? undefined : exportLocation.endsWith('/') ? exportLocation : `${exportLocation}/`,
    copyRoleArn: v.LAKEGATE_REDSHIFT_COPY_ROLE_ARN,
    s3ForcePathStyle: v.LAKEGATE_S3_FORCE_PATH_STYLE,
  };
}
