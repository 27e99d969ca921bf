// Tests run TypeScript through @swc/jest (decorator metadata included), against
// real DuckDB, real Parquet files, real DynamoDB-compatible servers and a real Redis.
const fs = require('node:fs');
const swcrc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swcrc.$schema;

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // jose is ESM only: compiled to CommonJS for jest's module system (Node itself require()s it, Node >= 20.19).
    '/node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' }, swcrc: false }],
    '^.+\\.(t|j)sx?$': ['@swc/jest', { ...swcrc, swcrc: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  setupFiles: ['<rootDir>/test/helpers/setup-env.ts'],
  testTimeout: 60_000,
  // Two cores: run suites two at a time; heavy suites (servers, DuckDB) share them.
  maxWorkers: 2,
  verbose: false,
};
