import { Field, ID, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../common/connection';
import { DateTimeScalar, SafeIntScalar } from '../common/scalars';
import { DeletionStatus } from './deletion.enums';

@ObjectType('DeletionTarget', { description: 'The erasure in one store.' })
export class DeletionTarget {
  @Field({ description: 'decisions, lake, warehouse, cache' })
  store!: string;

  @Field(() => DeletionStatus)
  status!: DeletionStatus;

  @Field(() => SafeIntScalar)
  recordsDeleted!: number;

  @Field(() => Int)
  filesRewritten!: number;

  @Field(() => SafeIntScalar)
  bytesRewritten!: number;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  startedAt!: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  completedAt!: string | null;
}

@ObjectType('DeletionRequest', { description: 'A GDPR erasure request. Holds no personal data: the subject is kept as a keyed hash.' })
export class DeletionRequest {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'What kind of subject is erased (customer).' })
  subjectType!: string;

  @Field({ description: 'Keyed hash of the subject id; never the raw id.' })
  subjectHash!: string;

  @Field(() => DeletionStatus)
  status!: DeletionStatus;

  @Field(() => String, { nullable: true, description: 'Why, as the caller gave it (checked at intake to hold no email address, phone number, customer id or name).' })
  reason!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Id of the principal that asked; null when withheld (another principal asked and the caller lacks gdpr:read).',
  })
  requestedBy!: string | null;

  @Field(() => DateTimeScalar)
  requestedAt!: string;

  @Field(() => DateTimeScalar, { description: 'requestedAt + 30 days: the legal deadline.' })
  dueBy!: string;

  @Field({ description: 'True when the request is not completed and dueBy has passed.' })
  overdue!: boolean;

  @Field(() => DateTimeScalar, { nullable: true })
  startedAt!: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  completedAt!: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When every store was queried and held nothing of the subject.' })
  verifiedAt!: string | null;

  @Field(() => Int, { description: 'Execution attempts so far.' })
  attempts!: number;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Not executed before this instant: the retry after a failure, or a step waiting to resume (Iceberg snapshots expiring).' })
  nextAttemptAt!: string | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed, per store (never holds the subject id).' })
  lastError!: string | null;

  @Field(() => [DeletionTarget])
  targets!: DeletionTarget[];
}

export const { Connection: DeletionRequestConnection } = connectionTypes('DeletionRequest', DeletionRequest, 'Deletion requests, newest first.');
