import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config';
import { awsModeEnv } from '../helpers/aws-endpoints';

/**
 * LAKEGATE_MODE=aws fails at boot when a setting is missing or wrong, with a
 * message naming each setting to fix: from loadConfig, and from the CLI (exit 2).
 */
const ROOT = path.resolve(__dirname, '../..');
const COMPLETE = awsModeEnv({ athena: 'http://127.0.0.1:1', redshift: 'http://127.0.0.1:2', glue: 'http://127.0.0.1:3', dynamodb: 'http://127.0.0.1:4' });

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('loadConfig accepted the configuration');
}

const settingsNamed = (problems: string[]) => problems.map((p) => p.slice(0, p.indexOf(':')));

describe('loadConfig', () => {
  test('LAKEGATE_MODE=aws alone names every required setting, each with what to set', () => {
    const problems = problemsOf({ LAKEGATE_MODE: 'aws' });
    expect(settingsNamed(problems).sort()).toEqual([
      'LAKEGATE_ATHENA_EXPORT_LOCATION',
      'LAKEGATE_ATHENA_LAKE_LOCATION',
      'LAKEGATE_ATHENA_OUTPUT_LOCATION',
      'LAKEGATE_GLUE_CATALOG_IDS',
      'LAKEGATE_REDSHIFT_COPY_ROLE_ARN',
      'LAKEGATE_REDSHIFT_DATABASE',
      'LAKEGATE_REDSHIFT_WORKGROUP_NAME',
    ]);
    expect(problems.find((p) => p.startsWith('LAKEGATE_ATHENA_OUTPUT_LOCATION'))).toMatch(/s3:\/\//);
  });

  test('the complete local environment is accepted; removing one setting names exactly that one', () => {
    const config = loadConfig(COMPLETE);
    expect(config.aws).toMatchObject({ lake: 'athena', warehouse: 'redshift-data', decisions: 'dynamodb', catalog: 'glue', jobRuns: 'glue' });
    expect(config.aws.glue.catalogIds).toEqual(['000000000000']);
    for (const name of ['LAKEGATE_ATHENA_OUTPUT_LOCATION', 'LAKEGATE_REDSHIFT_DATABASE', 'LAKEGATE_GLUE_CATALOG_IDS', 'LAKEGATE_ATHENA_EXPORT_LOCATION', 'LAKEGATE_REDSHIFT_COPY_ROLE_ARN']) {
      expect(settingsNamed(problemsOf({ ...COMPLETE, [name]: undefined }))).toEqual([name]);
    }
  });

  test('wrong values are named with what was expected and what was given', () => {
    const problems = problemsOf({
      ...COMPLETE,
      LAKEGATE_ATHENA_OUTPUT_LOCATION: '/tmp/results',
      LAKEGATE_GLUE_CATALOG_IDS: '12345',
      LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER: 'analytics',
      LAKEGATE_ATHENA_QUERY_TIMEOUT_MS: 'soon',
      LAKEGATE_REDSHIFT_COPY_ROLE_ARN: 'lakegate-copy',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^LAKEGATE_ATHENA_OUTPUT_LOCATION: expected an S3 URI.*\(got "\/tmp\/results"\)/),
        expect.stringMatching(/^LAKEGATE_GLUE_CATALOG_IDS: "12345" is not a 12-digit AWS account id/),
        expect.stringMatching(/^LAKEGATE_REDSHIFT_CLUSTER_IDENTIFIER: set either LAKEGATE_REDSHIFT_WORKGROUP_NAME .* not both/),
        expect.stringMatching(/^LAKEGATE_ATHENA_QUERY_TIMEOUT_MS: /),
        expect.stringMatching(/^LAKEGATE_REDSHIFT_COPY_ROLE_ARN: expected an IAM role ARN .*\(got "lakegate-copy"\)/),
      ]),
    );
  });

  test('a domain kept embedded needs no settings of its AWS service', () => {
    const config = loadConfig({ LAKEGATE_MODE: 'aws', LAKEGATE_LAKE: 'duckdb', LAKEGATE_WAREHOUSE: 'duckdb', LAKEGATE_CATALOG: 'embedded', LAKEGATE_JOB_RUNS: 'embedded' });
    expect(config.aws).toMatchObject({ lake: 'duckdb', warehouse: 'duckdb', decisions: 'dynamodb', catalog: 'embedded', jobRuns: 'embedded' });
  });
});

describe('the CLI', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-aws-config-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/cli.js'), ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', LAKEGATE_DATA_DIR: dataDir, LAKEGATE_LOG_LEVEL: 'silent', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  test('`serve` with LAKEGATE_MODE=aws and no Athena output location exits 2 naming the setting', async () => {
    const { code, stderr } = await run(['serve'], { ...COMPLETE, LAKEGATE_ATHENA_OUTPUT_LOCATION: '' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^lakegate: Invalid configuration:\n {2}- LAKEGATE_ATHENA_OUTPUT_LOCATION: required when the lake uses Athena/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  test('`migrate --target aws` without settings exits 2 listing them', async () => {
    const { code, stderr } = await run(['migrate', '--target', 'aws'], { LAKEGATE_MODE: 'aws' });
    expect(code).toBe(2);
    for (const name of ['LAKEGATE_ATHENA_OUTPUT_LOCATION', 'LAKEGATE_REDSHIFT_WORKGROUP_NAME', 'LAKEGATE_GLUE_CATALOG_IDS']) expect(stderr).toContain(name);
  });
});
