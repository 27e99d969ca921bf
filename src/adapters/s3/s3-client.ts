import { S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig, type AwsClientOptions } from '../aws-client-config';
import { traceAwsClient } from '../aws-tracing';

/**
 * The S3 client of the load workflow (see ../aws-client-config.ts): the endpoint
 * comes from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL like every other client. S3 is
 * the one service whose requests name the bucket in the host by default;
 * S3-compatible endpoints and local emulators need `forcePathStyle`
 * (LAKEGATE_S3_FORCE_PATH_STYLE).
 */
export interface S3ClientOptions extends AwsClientOptions {
  forcePathStyle?: boolean;
}

export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const { forcePathStyle, ...rest } = options;
  return traceAwsClient(new S3Client({ ...awsClientConfig(rest, { maxAttempts: 3 }), ...(forcePathStyle ? { forcePathStyle: true } : {}) }));
}
