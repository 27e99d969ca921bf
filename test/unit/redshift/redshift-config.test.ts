import { readRedshiftConfig } from '../../../src/config/aws-redshift';
import { ConfigError } from '../../../src/config/env';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift/lakegate-AbCdEf';

describe('readRedshiftConfig', () => {
  test('nothing is required when the warehouse does not use Redshift', () => {
    expect(readRedshiftConfig({}, false)).toMatchObject({ target: undefined, database: 'dev', schema: 'warehouse', queryTimeoutMs: 60_000 });
  });

  test('when enabled, a target and the database are required and named', () => {
    const found = problems(() => readRedshiftConfig({}, true));
    expect(found.map((p) => p.split(':')[0])).toEqual(['LAKEGATE_REDSHIFT_WORKGROUP_NAME', 'LAKEGATE_REDSHIFT_DATABASE']);
  });

  test('Serverless: a workgroup, optionally with a secret', () => {
    expect(readRedshiftConfig({ LAKEGATE_REDSHIFT_WORKGROUP_NAME: 'analytics', LAKEGATE_REDSHIFT_DATABASE: 'prod' }, true).target).toEqual({
      kind: 'serverless',
      workgroupName: 'analytics',
      secretArn: undefined,
    });
    expect(
      readRedshiftConfig({ LAKEGATE_REDSHIFT_WORKGROUP_NAME: 'analytics', LAKEGATE_REDSHIFT_SECRET_ARN: SECRET, LAKEGATE_REDSHIFT_DATABASE: 'prod', LAKEGATE_REDSHIFT_SCHEMA: 'curated' }, true),
    ).toMatchObject({ target: { kind: 'serverless', workgroupName: 'analytics', secretArn: SECRET }, database: 'prod', schema: 'curated' });
  });

  test('provisioned cluster: with a secret or with a database user', () => {
    expect(readRedshiftConfig({ LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER: 'dw-1', LAKEGATE_REDSHIFT_SECRET_ARN: SECRET, LAKEGATE_REDSHIFT_DATABASE: 'dev' }, true).target).toEqual({
      kind: 'cluster',
      clusterIdentifier: 'dw-1',
      secretArn: SECRET,
    });
    expect(readRedshiftConfig({ LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER: 'dw-1', LAKEGATE_REDSHIFT_DB_USER: 'lakegate', LAKEGATE_REDSHIFT_DATABASE: 'dev' }, true).target).toEqual({
      kind: 'cluster',
      clusterIdentifier: 'dw-1',
      dbUser: 'lakegate',
    });
  });

  test.each([
    [{ LAKEGATE_REDSHIFT_WORKGROUP_NAME: 'wg-1', LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER: 'dw-1' }, 'LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER', /not both/],
    [{ LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER: 'dw-1' }, 'LAKEGATE_REDSHIFT_SECRET_ARN', /required with LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER/],
    [{ LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER: 'dw-1', LAKEGATE_REDSHIFT_SECRET_ARN: SECRET, LAKEGATE_REDSHIFT_DB_USER: 'u' }, 'LAKEGATE_REDSHIFT_DB_USER', /not both/],
    [{ LAKEGATE_REDSHIFT_WORKGROUP_NAME: 'wg-1', LAKEGATE_REDSHIFT_DB_USER: 'u' }, 'LAKEGATE_REDSHIFT_DB_USER', /only used with/],
    [{ LAKEGATE_REDSHIFT_WORKGROUP_NAME: 'WG 1' }, 'LAKEGATE_REDSHIFT_WORKGROUP_NAME', /workgroup name/],
    [{ LAKEGATE_REDSHIFT_WORKGROUP_NAME: 'wg-1', LAKEGATE_REDSHIFT_SECRET_ARN: 'my-secret' }, 'LAKEGATE_REDSHIFT_SECRET_ARN', /secret ARN/],
  ])('an invalid combination names the setting (%#)', (env, setting, message) => {
    const found = problems(() => readRedshiftConfig({ LAKEGATE_REDSHIFT_DATABASE: 'dev', ...env }, true));
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]!.startsWith(`${setting}:`)).toBe(true);
    expect(found[0]).toMatch(message);
  });
});
