import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { STACK_OUTPUT_VALUES } from '../fixtures/stack-outputs.js'

const run = promisify(execFile)
const bin = fileURLToPath(new URL('../../bin/strata.js', import.meta.url))

/** A CloudFormation endpoint on 127.0.0.1 (the query protocol): stack Strata exists, nothing else does. */
let server: Server
const requests: string[] = []
const OUTPUTS: Record<string, string> = { ...STACK_OUTPUT_VALUES }
const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/'

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      if (!body.startsWith('Action=DescribeStacks')) {
        // S3 (path style): the landing listing of the CDI definitions; no such bucket here.
        requests.push(`${req.method} ${req.url}`)
        res.writeHead(404, { 'content-type': 'application/xml' })
        res.end('<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>')
        return
      }
      requests.push(body)
      const name = new URLSearchParams(body).get('StackName')
      if (name !== 'Strata') {
        res.writeHead(400, { 'content-type': 'text/xml' })
        res.end(`<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${name} does not exist</Message></Error><RequestId>r1</RequestId></ErrorResponse>`)
        return
      }
      const outputs = Object.entries(OUTPUTS).map(([key, value]) => `<member><OutputKey>${key}</OutputKey><OutputValue>${value}</OutputValue></member>`).join('')
      res.writeHead(200, { 'content-type': 'text/xml' })
      res.end(`<DescribeStacksResponse xmlns="${NS}"><DescribeStacksResult><Stacks><member><StackName>Strata</StackName><StackStatus>CREATE_COMPLETE</StackStatus><CreationTime>2026-12-01T00:00:00Z</CreationTime><Outputs>${outputs}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></DescribeStacksResponse>`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
})
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())))

async function strata(extraEnv: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const env = { ...process.env, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint, AWS_ENDPOINT_URL_S3: endpoint, STRATA_S3_FORCE_PATH_STYLE: 'true', STRATA_S3_MAX_ATTEMPTS: '1', AWS_MAX_ATTEMPTS: '1', STRATA_AWS_STACK: '', STRATA_START: '', ...extraEnv }
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env })
    return { code: 0, out: stdout, err: stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, out: e.stdout, err: e.stderr }
  }
}

describe('strata --aws-stack through the real binary and the SDK (a local CloudFormation endpoint)', () => {
  it("reads the stack with DescribeStacks and uses its landing bucket; a missing stack is exit 2 with the hint", async () => {
    const ok = await strata({ STRATA_START: '2026-01-01' }, 'assets', '--aws-stack', 'Strata')
    expect(ok.err).toBe('')
    expect(ok.code).toBe(0)
    expect(requests).toEqual(['Action=DescribeStacks&Version=2010-05-15&StackName=Strata'])

    // Without a start day the definitions list the landing days: in the stack's landing bucket.
    const listing = await strata({}, 'assets', '--aws-stack', 'Strata')
    expect(listing.code).toBe(2)
    expect(listing.err).toContain('landing location s3://strata-landing-abc123/landing (from "landing" in the outputs of the stack named by --aws-stack)')
    expect(requests.slice(1)).toEqual(['Action=DescribeStacks&Version=2010-05-15&StackName=Strata', 'GET /strata-landing-abc123/?delimiter=%2F&list-type=2&max-keys=1000&prefix=landing%2F'])

    const missing = await strata({}, 'status', '--aws-stack', 'Nope')
    expect(missing.code).toBe(2)
    expect(missing.err).toContain('error: stack Nope does not exist in eu-west-1')
    expect(missing.err).toContain('hint: Deploy it first (cd deploy && npx cdk deploy)')
  })
})
