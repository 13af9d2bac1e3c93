import { mockClient } from 'aws-sdk-client-mock'
import { BatchCreatePartitionCommand, BatchGetPartitionCommand, CreateTableCommand, GetTableCommand, GlueClient, UpdatePartitionCommand, UpdateTableCommand, type Partition, type Table } from '@aws-sdk/client-glue'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CatalogSync, glueTypeOf } from '../../../framework/catalog/index.js'
import { silentLogger } from '../../../framework/definitions/index.js'
import type { Manifest, Storage } from '../../../framework/storage/index.js'
import { GlueCatalog, partitionInput, tableInput } from '../../../resources/glue-catalog.js'
import { toyDefinitions } from '../../fixtures/toy-definitions.js'

const glue = mockClient(GlueClient)
const ROOT = 's3://cdi-data/prod'
const graph = toyDefinitions().graph
const PARQUET_SD = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', Parameters: { 'serialization.format': '1' } },
}

function manifest(asset: string, partition: string, files: string[], extra: Partial<Manifest> & { location?: string } = {}): Manifest {
  return {
    formatVersion: 1,
    asset,
    partition,
    runId: '20260301T020000Z-a1b2c3',
    startedAt: '2026-03-01T02:00:00Z',
    committedAt: '2026-03-01T02:00:05Z',
    codeVersion: `${asset}-v1`,
    dataVersion: 'abc',
    upstream: [],
    rowCount: 3,
    schema: [],
    files: files.map((name) => ({ name, bytes: 10, sha256: 'x' })),
    checks: [],
    metadata: {},
    ...extra,
  }
}

function fakeStorage(manifests: Manifest[]): Storage {
  return {
    location: ROOT,
    listManifests: async (asset: string) => manifests.filter((m) => m.asset === asset),
    localDir: async (m: Manifest, segment: string) => `/cache/${m.asset}/${segment}`,
  } as unknown as Storage
}

const scoreSchema = [
  { name: 'customer_id', type: 'VARCHAR' },
  { name: 'cdi', type: 'INTEGER' },
  { name: 'amount', type: 'DECIMAL(18,2)' },
  { name: 'tags', type: 'VARCHAR[]' },
]

function setup(manifests: Manifest[], written: [string, string][] = []) {
  const client = new GlueCatalog(new GlueClient({ region: 'eu-west-1' }), { database: 'cdi', writeText: async (uri, body) => void written.push([uri, body]) })
  const describeParquet = async (path: string) => (path.endsWith('customers.parquet') ? [{ name: 'customer_id', type: 'VARCHAR' }, { name: 'signup', type: 'DATE' }] : [{ name: 'order_id', type: 'BIGINT' }, { name: 'at', type: 'TIMESTAMP' }])
  return new CatalogSync({ client, graph, storage: fakeStorage(manifests), log: silentLogger, describeParquet })
}

const notFound = () => Object.assign(new Error('Table not found'), { name: 'EntityNotFoundException' })

beforeEach(() => glue.reset())
afterEach(() => glue.reset())

describe('glueTypeOf', () => {
  it('maps DuckDB types to Glue/Hive types', () => {
    expect(['VARCHAR', 'BIGINT', 'INTEGER', 'DOUBLE', 'BOOLEAN', 'DATE', 'TIMESTAMP', 'DECIMAL(18,3)', 'VARCHAR[]', 'DOUBLE[][]', 'STRUCT(a INTEGER, "B c" VARCHAR)', 'MAP(VARCHAR, DOUBLE)', 'HUGEINT'].map((t) => glueTypeOf(t))).toEqual([
      'string', 'bigint', 'int', 'double', 'boolean', 'date', 'timestamp', 'decimal(18,3)', 'array<string>', 'array<array<double>>', 'struct<a:int,b c:string>', 'map<string,double>', 'decimal(38,0)',
    ])
  })
  it('names the column of a type Glue cannot hold', () => {
    expect(() => glueTypeOf('UNION(a INTEGER)', 'odd')).toThrow(expect.objectContaining({ code: 'aws', message: expect.stringContaining('column odd'), hint: expect.stringContaining('Cast the column') }))
  })
})

describe('Glue catalog sync', () => {
  const day1 = manifest('score', '2026-01-10', ['score.parquet'], { schema: scoreSchema, location: `${ROOT}/score/dt=2026-01-10/v=20260301T020000Z-a1b2c3` })
  const day2 = manifest('score', '2026-01-11', ['score.parquet'], { schema: scoreSchema })
  const columns = [
    { Name: 'customer_id', Type: 'string' },
    { Name: 'cdi', Type: 'int' },
    { Name: 'amount', Type: 'decimal(18,2)' },
    { Name: 'tags', Type: 'array<string>' },
  ]
  const expectedTable = {
    Name: 'score',
    Description: 'score',
    TableType: 'EXTERNAL_TABLE',
    Parameters: { EXTERNAL: 'TRUE', classification: 'parquet', 'strata.asset': 'score', 'strata.code_version': 'score-v1' },
    PartitionKeys: [{ Name: 'dt', Type: 'string' }],
    StorageDescriptor: { Columns: columns, Location: `${ROOT}/score/`, ...PARQUET_SD },
  }

  it('creates the table and partitions when missing, with the committed locations', async () => {
    glue.on(GetTableCommand).rejects(notFound())
    glue.on(CreateTableCommand).resolves({})
    glue.on(BatchGetPartitionCommand).resolves({ Partitions: [] })
    glue.on(BatchCreatePartitionCommand).resolves({ Errors: [] })
    const report = await setup([day2, day1]).syncAll(['score'])
    expect(glue.commandCalls(CreateTableCommand).map((c) => c.args[0].input)).toEqual([{ DatabaseName: 'cdi', TableInput: expectedTable }])
    expect(glue.commandCalls(BatchGetPartitionCommand)[0]?.args[0].input).toEqual({ DatabaseName: 'cdi', TableName: 'score', PartitionsToGet: [{ Values: ['2026-01-10'] }, { Values: ['2026-01-11'] }] })
    expect(glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input)).toEqual([
      {
        DatabaseName: 'cdi',
        TableName: 'score',
        PartitionInputList: [
          { Values: ['2026-01-10'], StorageDescriptor: { Columns: columns, Location: `${ROOT}/score/dt=2026-01-10/v=20260301T020000Z-a1b2c3/`, ...PARQUET_SD } },
          { Values: ['2026-01-11'], StorageDescriptor: { Columns: columns, Location: `${ROOT}/score/dt=2026-01-11/`, ...PARQUET_SD } },
        ],
      },
    ])
    expect(report).toEqual({ database: 'cdi', tables: [{ table: 'score', table_outcome: 'created', partitions: { created: 2, updated: 0, unchanged: 0 } }] })
  })

  it('drops a column named like the partition key (old manifests listed the dt= folder as a column)', async () => {
    glue.on(GetTableCommand).rejects(notFound())
    glue.on(CreateTableCommand).resolves({})
    glue.on(BatchGetPartitionCommand).resolves({ Partitions: [] })
    glue.on(BatchCreatePartitionCommand).resolves({ Errors: [] })
    const old = { ...day1, schema: [...scoreSchema, { name: 'dt', type: 'DATE' }] }
    await setup([old]).syncAll(['score'])
    expect(glue.commandCalls(CreateTableCommand)[0]?.args[0].input.TableInput?.StorageDescriptor?.Columns).toEqual(columns)
  })

  it('a second sync over an equal catalog writes nothing; a moved partition is updated', async () => {
    const table = tableInput({ name: 'score', description: 'score', columns: columns.map((c) => ({ name: c.Name, type: c.Type })), partitionKey: 'dt', location: `${ROOT}/score/`, format: 'parquet', parameters: { 'strata.asset': 'score', 'strata.code_version': 'score-v1' } })
    glue.on(GetTableCommand).resolves({ Table: { ...table, DatabaseName: 'cdi', Name: 'score' } as Table })
    const stored = (location: string, value: string): Partition => ({ Values: [value], StorageDescriptor: partitionInput({ value, location, columns: columns.map((c) => ({ name: c.Name, type: c.Type })), format: 'parquet' }).StorageDescriptor })
    glue.on(BatchGetPartitionCommand).resolves({ Partitions: [stored(`${ROOT}/score/dt=2026-01-10/v=20260301T020000Z-a1b2c3/`, '2026-01-10'), stored(`${ROOT}/score/dt=2026-01-11/`, '2026-01-11')] })
    const same = await setup([day1, day2]).syncAll(['score'])
    expect(same.tables[0]).toEqual({ table: 'score', table_outcome: 'unchanged', partitions: { created: 0, updated: 0, unchanged: 2 } })
    expect(glue.commandCalls(CreateTableCommand)).toHaveLength(0)
    expect(glue.commandCalls(UpdateTableCommand)).toHaveLength(0)
    expect(glue.commandCalls(BatchCreatePartitionCommand)).toHaveLength(0)
    expect(glue.commandCalls(UpdatePartitionCommand)).toHaveLength(0)

    glue.on(UpdatePartitionCommand).resolves({})
    const rebuilt = manifest('score', '2026-01-10', ['score.parquet'], { schema: scoreSchema, location: `${ROOT}/score/dt=2026-01-10/v=20260302T020000Z-d4e5f6` })
    await setup([rebuilt]).register(rebuilt)
    expect(glue.commandCalls(UpdatePartitionCommand).map((c) => c.args[0].input)).toEqual([
      { DatabaseName: 'cdi', TableName: 'score', PartitionValueList: ['2026-01-10'], PartitionInput: { Values: ['2026-01-10'], StorageDescriptor: { Columns: columns, Location: `${ROOT}/score/dt=2026-01-10/v=20260302T020000Z-d4e5f6/`, ...PARQUET_SD } } },
    ])
  })

  it('a changed schema updates the table; a partition created concurrently is updated instead', async () => {
    glue.on(GetTableCommand).resolves({ Table: { Name: 'score', TableType: 'EXTERNAL_TABLE', StorageDescriptor: { Columns: [{ Name: 'customer_id', Type: 'string' }], Location: `${ROOT}/score/`, ...PARQUET_SD }, PartitionKeys: [{ Name: 'dt', Type: 'string' }] } })
    glue.on(UpdateTableCommand).resolves({})
    glue.on(BatchGetPartitionCommand).resolves({ Partitions: [] })
    glue.on(BatchCreatePartitionCommand).resolves({ Errors: [{ PartitionValues: ['2026-01-11'], ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'exists' } }] })
    glue.on(UpdatePartitionCommand).resolves({})
    await setup([day2]).register(day2)
    expect(glue.commandCalls(UpdateTableCommand)[0]?.args[0].input).toEqual({ DatabaseName: 'cdi', TableInput: expectedTable, SkipArchive: true })
    expect(glue.commandCalls(UpdatePartitionCommand)[0]?.args[0].input.PartitionValueList).toEqual(['2026-01-11'])
  })

  it('a multi-table partition gets one table per file, each reading its own file through a symlink manifest', async () => {
    glue.on(GetTableCommand).rejects(notFound())
    glue.on(CreateTableCommand).resolves({})
    glue.on(BatchGetPartitionCommand).resolves({ Partitions: [] })
    glue.on(BatchCreatePartitionCommand).resolves({})
    const written: [string, string][] = []
    const clean = manifest('clean', '2026-01-10', ['customers.parquet', 'orders.parquet', 'summary.json'], { location: `${ROOT}/clean/dt=2026-01-10/v=1` })
    await setup([clean], written).register(clean)
    expect(written).toEqual([
      [`${ROOT}/_symlink/clean_customers/dt=2026-01-10/manifest`, `${ROOT}/clean/dt=2026-01-10/v=1/customers.parquet\n`],
      [`${ROOT}/_symlink/clean_orders/dt=2026-01-10/manifest`, `${ROOT}/clean/dt=2026-01-10/v=1/orders.parquet\n`],
    ])
    const created = glue.commandCalls(CreateTableCommand).map((c) => c.args[0].input.TableInput)
    expect(created.map((t) => [t?.Name, t?.StorageDescriptor?.Location, t?.StorageDescriptor?.InputFormat, t?.StorageDescriptor?.Columns])).toEqual([
      ['clean_customers', `${ROOT}/_symlink/clean_customers/`, 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat', [{ Name: 'customer_id', Type: 'string' }, { Name: 'signup', Type: 'date' }]],
      ['clean_orders', `${ROOT}/_symlink/clean_orders/`, 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat', [{ Name: 'order_id', Type: 'bigint' }, { Name: 'at', Type: 'timestamp' }]],
    ])
    expect(created[0]?.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe')
    expect(glue.commandCalls(BatchCreatePartitionCommand).map((c) => [c.args[0].input.TableName, c.args[0].input.PartitionInputList?.[0]?.StorageDescriptor?.Location])).toEqual([
      ['clean_customers', `${ROOT}/_symlink/clean_customers/dt=2026-01-10/`],
      ['clean_orders', `${ROOT}/_symlink/clean_orders/dt=2026-01-10/`],
    ])
  })

  it('weekly assets are partitioned by week; JSON-only partitions get no table', async () => {
    glue.on(GetTableCommand).rejects(notFound())
    glue.on(CreateTableCommand).resolves({})
    glue.on(BatchGetPartitionCommand).resolves({})
    glue.on(BatchCreatePartitionCommand).resolves({})
    const model = manifest('model', '2026-01-12', ['model.parquet'], { schema: [{ name: 'k', type: 'INTEGER' }] })
    const json = manifest('report', '2026-01-12', ['value.json'])
    const sync = setup([model, json])
    await sync.register(json)
    expect(glue.calls()).toHaveLength(0)
    await sync.register(model)
    expect(glue.commandCalls(CreateTableCommand)[0]?.args[0].input.TableInput?.PartitionKeys).toEqual([{ Name: 'week', Type: 'string' }])
    expect(glue.commandCalls(BatchCreatePartitionCommand)[0]?.args[0].input.PartitionInputList?.[0]?.Values).toEqual(['2026-01-12'])
    expect(glue.commandCalls(BatchCreatePartitionCommand)[0]?.args[0].input.PartitionInputList?.[0]?.StorageDescriptor?.Location).toBe(`${ROOT}/model/week=2026-01-12/`)
  })

  it('a missing database is an aws error that says how to create it', async () => {
    glue.on(GetTableCommand).rejects(notFound())
    glue.on(CreateTableCommand).rejects(Object.assign(new Error('Database cdi not found'), { name: 'EntityNotFoundException' }))
    await expect(setup([day2]).register(day2)).rejects.toMatchObject({ code: 'aws', hint: expect.stringContaining('aws glue create-database') })
  })
})
