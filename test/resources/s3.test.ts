import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { mockClient } from 'aws-sdk-client-mock'
import { describe, expect, it } from 'vitest'
import { StrataError } from '../../framework/errors/index.js'
import { S3ObjectStore, createS3Client, parseS3Url } from '../../resources/s3.js'

describe('parseS3Url', () => {
  it('splits bucket and prefix, dropping trailing slashes', () => {
    expect(parseS3Url('s3://my-bucket/strata/prod/')).toEqual({ bucket: 'my-bucket', prefix: 'strata/prod' })
    expect(parseS3Url('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' })
  })

  it.each(['http://b/x', 's3://B/x', 's3://a/../x', 's3://ab/x//y', 's3://192.168.0.1/x', 's3://ab/%2e%2e', 's3://ab/a b', 's3://a..b/x'])('rejects %s as a config error', (url) => {
    const error = (() => {
      try {
        parseS3Url(url)
      } catch (thrown) {
        return thrown
      }
    })() as StrataError
    expect(error).toBeInstanceOf(StrataError)
    expect(error.code).toBe('config')
  })
})

describe('createS3Client', () => {
  it('takes region, endpoint, path style and attempts from the env it is given', async () => {
    const client = createS3Client({
      env: { AWS_DEFAULT_REGION: 'eu-west-1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000', STRATA_S3_FORCE_PATH_STYLE: 'true', STRATA_S3_MAX_ATTEMPTS: '3', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' },
    })
    expect(await client.config.region()).toBe('eu-west-1')
    expect(client.config.forcePathStyle).toBe(true)
    expect(await client.config.maxAttempts()).toBe(3)
    const endpoint = await client.config.endpoint?.()
    expect(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`).toBe('http://127.0.0.1:9000')
  })

  it('rejects bad settings with config errors', () => {
    expect(() => createS3Client({ env: { STRATA_S3_MAX_ATTEMPTS: 'lots' } })).toThrow(StrataError)
    expect(() => createS3Client({ env: { STRATA_S3_FORCE_PATH_STYLE: 'maybe' } })).toThrow(StrataError)
    expect(() => createS3Client({ env: { AWS_ENDPOINT_URL_S3: 'ftp://x' } })).toThrow(StrataError)
  })
})

describe('S3ObjectStore (mocked client)', () => {
  it('follows continuation tokens across list pages and strips the root prefix', async () => {
    const mock = mockClient(S3Client)
    mock
      .on(ListObjectsV2Command, { Prefix: 'root/a/' })
      .resolvesOnce({ IsTruncated: true, NextContinuationToken: 't1', Contents: [{ Key: 'root/a/1', Size: 1, ETag: '"e1"' }] })
      .resolvesOnce({ IsTruncated: false, Contents: [{ Key: 'root/a/2', Size: 2, ETag: '"e2"' }] })
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), parseS3Url('s3://bucket/root'))
    const keys: string[] = []
    for await (const object of store.list('a/')) keys.push(object.key)
    expect(keys).toEqual(['a/1', 'a/2'])
    const calls = mock.commandCalls(ListObjectsV2Command)
    expect(calls.map((call) => call.args[0].input.ContinuationToken)).toEqual([undefined, 't1'])
    mock.restore()
  })

  it('putIfAbsent sends If-None-Match: * and reports an existing object (412) as false', async () => {
    const mock = mockClient(S3Client)
    const precondition = Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } })
    mock.on(PutObjectCommand).resolvesOnce({}).rejectsOnce(precondition)
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), parseS3Url('s3://bucket/root'))
    expect(await store.putIfAbsent('lock', 'a')).toBe(true)
    expect(await store.putIfAbsent('lock', 'b')).toBe(false)
    expect(mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({ Bucket: 'bucket', Key: 'root/lock', IfNoneMatch: '*' })
    mock.restore()
  })

  it('refuses keys that are not plain relative segments', async () => {
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), parseS3Url('s3://bucket/root'))
    for (const key of ['../x', '/abs', 'a//b', 'a/./b', '']) await expect(store.get(key)).rejects.toThrow(StrataError)
  })
})
