export { createS3Client, type S3ClientOptions } from './s3-client';
export { S3Objects, type ObjectPresence, type S3Entry, type S3ListOptions } from './s3-objects';
export { S3LandingZone, landingFormatOf, type LandingPrefixes } from './s3-landing-zone';
export { parseS3Object, parseS3Prefix, type S3Prefix } from './s3-uri';
