import { registerEnumType } from 'type-graphql';

export enum DecisionOutcome {
  APPROVED = 'APPROVED',
  REJECTED = 'REJECTED',
  REFERRED = 'REFERRED',
}
export enum DecisionKind {
  CREDIT = 'CREDIT',
  FRAUD = 'FRAUD',
  AML = 'AML',
}
export enum CheckResult {
  PASS = 'PASS',
  FAIL = 'FAIL',
  ERROR = 'ERROR',
}

registerEnumType(DecisionOutcome, { name: 'DecisionOutcome', description: 'What the assessment decided.' });
registerEnumType(DecisionKind, { name: 'DecisionKind', description: 'What kind of risk was assessed.' });
registerEnumType(CheckResult, { name: 'CheckResult', description: 'Result of one check of an assessment.' });
