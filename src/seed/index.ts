export { seedEmbedded, ensureSeeded, isSeeded, type SeedResult } from './seed-embedded';
export { seedOptionsFromConfig, SEED_PHASES, MAX_SEED_EVENTS, type SeedOptions, type SeedPhase, type SeedProgressEvent } from './options';
export { createSeedProgressReporter, type SeedProgressReporter } from './progress';
export { generateDecisions, type DecisionGeneratorOptions } from './decisions';
export { generateJobRuns, jobRecords, JOB_SPECS } from './job-runs';
export { customerId, CUSTOMER_TYPES } from './customers';
export { EVENT_TYPES, SEVERITIES } from './events';
