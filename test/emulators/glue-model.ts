/**
 * What the Glue emulator holds, in the Glue API's own shapes (PascalCase members,
 * times as Date; the emulator sends them as epoch seconds, as awsJson1_1 does).
 * Extra members are passed through unchanged, so fixtures can carry anything the
 * real API returns.
 */
export interface GlueColumnSeed {
  Name: string;
  Type?: string;
  Comment?: string;
  Parameters?: Record<string, string>;
}

export interface GlueStorageDescriptorSeed {
  Columns?: GlueColumnSeed[];
  Location?: string;
  InputFormat?: string;
  OutputFormat?: string;
  Compressed?: boolean;
  NumberOfBuckets?: number;
  SerdeInfo?: { Name?: string; SerializationLibrary?: string; Parameters?: Record<string, string> };
  Parameters?: Record<string, string>;
  [member: string]: unknown;
}

export interface GlueDatabaseSeed {
  Name: string;
  Description?: string;
  LocationUri?: string;
  Parameters?: Record<string, string>;
  CreateTime?: Date;
  [member: string]: unknown;
}

export interface GlueTableSeed {
  DatabaseName: string;
  Name: string;
  Description?: string;
  Owner?: string;
  CreateTime?: Date;
  UpdateTime?: Date;
  LastAccessTime?: Date;
  Retention?: number;
  TableType?: string;
  Parameters?: Record<string, string>;
  PartitionKeys?: GlueColumnSeed[];
  StorageDescriptor?: GlueStorageDescriptorSeed;
  ViewOriginalText?: string;
  ViewExpandedText?: string;
  [member: string]: unknown;
}

export interface GluePartitionSeed {
  DatabaseName: string;
  TableName: string;
  Values: string[];
  CreationTime?: Date;
  LastAccessTime?: Date;
  Parameters?: Record<string, string>;
  StorageDescriptor?: GlueStorageDescriptorSeed;
  [member: string]: unknown;
}

export interface GlueCatalogSeed {
  databases: GlueDatabaseSeed[];
  tables: GlueTableSeed[];
  partitions?: GluePartitionSeed[];
}

export interface GlueJobSeed {
  Name: string;
  Role?: string;
  Command?: { Name?: string; ScriptLocation?: string; PythonVersion?: string };
  GlueVersion?: string;
  WorkerType?: string;
  NumberOfWorkers?: number;
  MaxCapacity?: number;
  Timeout?: number;
  MaxRetries?: number;
  CreatedOn?: Date;
  LastModifiedOn?: Date;
  /** Returned by GetTags on the job's ARN, never by GetJobs (as in Glue). */
  Tags?: Record<string, string>;
  [member: string]: unknown;
}

export type GlueJobRunStateName = 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'SUCCEEDED' | 'FAILED' | 'TIMEOUT' | 'ERROR' | 'WAITING' | 'EXPIRED';

export interface GlueJobRunSeed {
  Id: string;
  JobName: string;
  Attempt?: number;
  PreviousRunId?: string;
  JobRunState: GlueJobRunStateName;
  StartedOn: Date;
  LastModifiedOn?: Date;
  CompletedOn?: Date;
  ExecutionTime?: number;
  Timeout?: number;
  WorkerType?: string;
  NumberOfWorkers?: number;
  MaxCapacity?: number;
  DPUSeconds?: number;
  ErrorMessage?: string;
  GlueVersion?: string;
  ExecutionClass?: 'FLEX' | 'STANDARD';
  [member: string]: unknown;
}

export interface GlueEmulatorContent {
  /** Data Catalogs by catalog id (12-digit account id). Other ids are denied (AccessDeniedException). */
  catalogs: Record<string, GlueCatalogSeed>;
  jobs?: GlueJobSeed[];
  runs?: GlueJobRunSeed[];
  /** Caps every page (below the operation's own maximum) to force pagination. */
  pageSize?: number;
  /** Region and account of job ARNs (GetTags). Default us-east-1 and the first catalog id. */
  region?: string;
  accountId?: string;
}
