import {
  BatchCreatePartitionCommand,
  BatchGetPartitionCommand,
  CreateTableCommand,
  GetTableCommand,
  GlueClient,
  UpdatePartitionCommand,
  UpdateTableCommand,
  type Column,
  type PartitionInput,
  type StorageDescriptor,
  type Table,
  type TableInput,
} from '@aws-sdk/client-glue'
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { StrataError } from '../framework/errors/index.js'
import { glueDatabaseOf, type CatalogClient, type CatalogFormat, type CatalogOutcome, type CatalogPartition, type CatalogTable } from '../framework/catalog/index.js'
import { serverSideEncryptionOf, type Settings } from '../framework/config/index.js'
import type { ServerSideEncryption } from '../framework/storage/object-store.js'
import { awsClientConfig, nonEmpty } from './aws-client-config.js'
import { createS3Client, sseParameters } from './s3.js'

/** Hive classes Athena reads Parquet with. */
export const PARQUET_FORMAT = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
} as const

/** A table whose location holds a text manifest of Parquet file URIs (as Delta Lake's Athena integration). */
export const SYMLINK_FORMAT = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  serde: PARQUET_FORMAT.serde,
} as const

export interface GlueCatalogOptions {
  /** The Glue database, e.g. `cdi`; it must exist (the README's "On AWS" section creates it). */
  readonly database: string
  /** Another account's catalog; default: the caller's. */
  readonly catalogId?: string
  /** Writes symlink manifests, e.g. {@link s3TextWriter} over the storage's S3 client. */
  readonly writeText: (uri: string, body: string) => Promise<void>
}

const GLUE_NAME = /^[a-z0-9_]{1,255}$/

/**
 * The AWS Glue Data Catalog behind {@link CatalogClient}: Parquet external tables with the
 * partition key `dt` or `week` (string), and partitions whose location is the committed S3
 * folder. Idempotent: GetTable → CreateTable / UpdateTable only when the definition differs;
 * BatchGetPartition → BatchCreatePartition for missing ones, UpdatePartition for changed ones.
 */
export class GlueCatalog implements CatalogClient {
  readonly database: string
  private readonly catalogId: { CatalogId?: string }
  private readonly writeTextTo: (uri: string, body: string) => Promise<void>

  constructor(
    private readonly glue: GlueClient,
    options: GlueCatalogOptions,
  ) {
    if (!GLUE_NAME.test(options.database)) {
      throw new StrataError('config', `Glue database name "${options.database.slice(0, 60)}" is invalid`, 'Use lowercase letters, digits and "_" (aws.glueDatabase / STRATA_GLUE_DATABASE), e.g. cdi.')
    }
    this.database = options.database
    this.catalogId = options.catalogId ? { CatalogId: options.catalogId } : {}
    this.writeTextTo = options.writeText
  }

  async ensureTable(table: CatalogTable): Promise<CatalogOutcome> {
    const input = tableInput(table)
    let existing = await this.getTable(table.name)
    if (!existing) {
      try {
        await this.glue.send(new CreateTableCommand({ ...this.catalogId, DatabaseName: this.database, TableInput: input }))
        return 'created'
      } catch (error) {
        // Another step created it between our Get and Create: compare with theirs.
        if (errorName(error) !== 'AlreadyExistsException') throw this.failure('CreateTable', table.name, error)
        existing = await this.getTable(table.name)
      }
    }
    if (existing && tableMatches(existing, input)) return 'unchanged'
    try {
      await this.glue.send(new UpdateTableCommand({ ...this.catalogId, DatabaseName: this.database, TableInput: input, SkipArchive: true }))
    } catch (error) {
      throw this.failure('UpdateTable', table.name, error)
    }
    return 'updated'
  }

  async ensurePartitions(table: CatalogTable, partitions: readonly CatalogPartition[]): Promise<CatalogOutcome[]> {
    const outcomes: CatalogOutcome[] = []
    // BatchGetPartition takes up to 1000 keys, BatchCreatePartition up to 100 partitions.
    for (let start = 0; start < partitions.length; start += 100) {
      const chunk = partitions.slice(start, start + 100)
      const existing = await this.getPartitions(table.name, chunk.map((partition) => partition.value))
      const missing: CatalogPartition[] = []
      const chunkOutcomes = new Map<string, CatalogOutcome>()
      for (const partition of chunk) {
        const found = existing.get(partition.value)
        if (!found) missing.push(partition)
        else if (storageMatches(found, partitionInput(partition).StorageDescriptor as StorageDescriptor)) chunkOutcomes.set(partition.value, 'unchanged')
        else {
          await this.updatePartition(table.name, partition)
          chunkOutcomes.set(partition.value, 'updated')
        }
      }
      if (missing.length > 0) {
        let errors
        try {
          const response = await this.glue.send(new BatchCreatePartitionCommand({ ...this.catalogId, DatabaseName: this.database, TableName: table.name, PartitionInputList: missing.map(partitionInput) }))
          errors = response.Errors ?? []
        } catch (error) {
          throw this.failure('BatchCreatePartition', table.name, error)
        }
        const failed = new Map(errors.map((error) => [error.PartitionValues?.[0] ?? '', error.ErrorDetail]))
        for (const partition of missing) {
          const detail = failed.get(partition.value)
          if (!detail) chunkOutcomes.set(partition.value, 'created')
          else if (detail.ErrorCode === 'AlreadyExistsException') {
            await this.updatePartition(table.name, partition)
            chunkOutcomes.set(partition.value, 'updated')
          } else {
            throw new StrataError('aws', `Glue BatchCreatePartition ${this.database}.${table.name} (${partition.value}) failed: ${detail.ErrorCode ?? ''} ${detail.ErrorMessage ?? ''}`.trim(), hintFor(detail.ErrorCode))
          }
        }
      }
      for (const partition of chunk) outcomes.push(chunkOutcomes.get(partition.value) as CatalogOutcome)
    }
    return outcomes
  }

  writeText(uri: string, body: string): Promise<void> {
    return this.writeTextTo(uri, body)
  }

  private async getTable(name: string): Promise<Table | undefined> {
    try {
      return (await this.glue.send(new GetTableCommand({ ...this.catalogId, DatabaseName: this.database, Name: name }))).Table
    } catch (error) {
      if (errorName(error) === 'EntityNotFoundException') return undefined
      throw this.failure('GetTable', name, error)
    }
  }

  private async getPartitions(table: string, values: readonly string[]): Promise<Map<string, StorageDescriptor>> {
    const found = new Map<string, StorageDescriptor>()
    let keys = values.map((value) => ({ Values: [value] }))
    // Unprocessed keys come back under throttling; ask again for those.
    for (let round = 0; keys.length > 0 && round < 5; round++) {
      try {
        const response = await this.glue.send(new BatchGetPartitionCommand({ ...this.catalogId, DatabaseName: this.database, TableName: table, PartitionsToGet: keys }))
        for (const partition of response.Partitions ?? []) if (partition.Values?.[0] && partition.StorageDescriptor) found.set(partition.Values[0], partition.StorageDescriptor)
        keys = (response.UnprocessedKeys ?? []).map((key) => ({ Values: key.Values ?? [] }))
      } catch (error) {
        throw this.failure('BatchGetPartition', table, error)
      }
    }
    return found
  }

  private async updatePartition(table: string, partition: CatalogPartition): Promise<void> {
    try {
      await this.glue.send(new UpdatePartitionCommand({ ...this.catalogId, DatabaseName: this.database, TableName: table, PartitionValueList: [partition.value], PartitionInput: partitionInput(partition) }))
    } catch (error) {
      throw this.failure('UpdatePartition', table, error)
    }
  }

  private failure(operation: string, table: string, error: unknown): StrataError {
    const name = errorName(error)
    const message = error instanceof Error ? error.message : String(error)
    return new StrataError('aws', `Glue ${operation} on ${this.database}.${table} failed: ${name ? `${name}: ` : ''}${message}`, hintFor(name, this.database), { cause: error })
  }
}

/** The Glue TableInput of a catalog table. */
export function tableInput(table: CatalogTable): TableInput {
  return {
    Name: table.name,
    Description: table.description.slice(0, 2048),
    TableType: 'EXTERNAL_TABLE',
    Parameters: { EXTERNAL: 'TRUE', classification: 'parquet', ...table.parameters },
    PartitionKeys: table.partitionKey ? [{ Name: table.partitionKey, Type: 'string' }] : [],
    StorageDescriptor: storageDescriptor(table.columns, table.location, table.format),
  }
}

/** The Glue PartitionInput of a catalog partition. */
export function partitionInput(partition: CatalogPartition): PartitionInput {
  return { Values: [partition.value], StorageDescriptor: storageDescriptor(partition.columns, partition.location, partition.format) }
}

function storageDescriptor(columns: readonly { name: string; type: string }[], location: string, format: CatalogFormat): StorageDescriptor {
  const classes = format === 'parquet' ? PARQUET_FORMAT : SYMLINK_FORMAT
  return {
    Columns: columns.map((column) => ({ Name: column.name, Type: column.type })),
    Location: location,
    InputFormat: classes.inputFormat,
    OutputFormat: classes.outputFormat,
    SerdeInfo: { SerializationLibrary: classes.serde, Parameters: { 'serialization.format': '1' } },
  }
}

function columnsEqual(a: readonly Column[] | undefined, b: readonly Column[] | undefined): boolean {
  const left = a ?? []
  const right = b ?? []
  return left.length === right.length && left.every((column, i) => column.Name === right[i]?.Name && column.Type === right[i]?.Type)
}

function storageMatches(existing: StorageDescriptor, wanted: StorageDescriptor): boolean {
  return (
    existing.Location === wanted.Location &&
    existing.InputFormat === wanted.InputFormat &&
    existing.OutputFormat === wanted.OutputFormat &&
    existing.SerdeInfo?.SerializationLibrary === wanted.SerdeInfo?.SerializationLibrary &&
    columnsEqual(existing.Columns, wanted.Columns)
  )
}

function tableMatches(existing: Table, wanted: TableInput): boolean {
  const parameters = existing.Parameters ?? {}
  return (
    existing.TableType === wanted.TableType &&
    (existing.Description ?? '') === (wanted.Description ?? '') &&
    columnsEqual(existing.PartitionKeys, wanted.PartitionKeys) &&
    Object.entries(wanted.Parameters ?? {}).every(([key, value]) => parameters[key] === value) &&
    !!existing.StorageDescriptor &&
    storageMatches(existing.StorageDescriptor, wanted.StorageDescriptor as StorageDescriptor)
  )
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string' ? error.name : undefined
}

function hintFor(name: string | undefined, database = 'the database'): string {
  if (name === 'EntityNotFoundException') return `Create the Glue database first: aws glue create-database --database-input Name=${database} (see the README, "On AWS").`
  if (name === 'AccessDeniedException') return `Give the role the Glue actions of resources/iam-policy.json on ${database}.`
  return 'Check the AWS region and credentials (standard chain), then rerun: strata catalog sync.'
}

/** Write a text object at `s3://bucket/key` with PutObject, encrypted as the storage's writes are. */
export function s3TextWriter(s3: S3Client, encryption?: ServerSideEncryption): (uri: string, body: string) => Promise<void> {
  return async (uri, body) => {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri)
    if (!match) throw new StrataError('config', `"${uri.slice(0, 80)}" is not an s3:// object URI`, 'Catalog sync needs S3 storage: --storage s3://bucket/prefix.')
    try {
      await s3.send(new PutObjectCommand({ Bucket: match[1], Key: match[2], Body: body, ContentType: 'text/plain', ...sseParameters(encryption) }))
    } catch (error) {
      throw new StrataError('aws', `could not write the symlink manifest ${uri}: ${error instanceof Error ? error.message : String(error)}`, 'Give the role s3:PutObject on the storage prefix (resources/iam-policy.json).', { cause: error })
    }
  }
}

/**
 * The Glue catalog of the settings, or undefined when no database is configured
 * (STRATA_GLUE_DATABASE, else `aws.glueDatabase`). Its symlink manifests go through an S3 client
 * built like the storage's, so endpoint, path-style and retry settings apply to them too.
 */
export function openGlueCatalog(settings: Pick<Settings, 'config' | 'env'>): GlueCatalog | undefined {
  const database = glueDatabaseOf(settings)
  if (!database) return undefined
  const aws = (settings.config.aws ?? {}) as { region?: string; glueCatalogId?: string }
  const config = awsClientConfig(settings.env, nonEmpty(settings.env.AWS_REGION) ?? aws.region)
  const encryption = serverSideEncryptionOf(settings.config, settings.env)
  return new GlueCatalog(new GlueClient(config), {
    database,
    ...(aws.glueCatalogId ? { catalogId: aws.glueCatalogId } : {}),
    writeText: s3TextWriter(createS3Client({ env: settings.env, ...(config.region ? { region: config.region } : {}) }), encryption),
  })
}
