// The root `npm install` runs this (postinstall), so the README's two commands also install the CDK
// app's own dependencies (deploy/node_modules), which the root `npm test` needs for deploy/test.
// It installs only when they are missing or older than deploy/package-lock.json.
import { spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const deploy = fileURLToPath(new URL('.', import.meta.url))
const installed = new URL('node_modules/.package-lock.json', import.meta.url)
const lock = new URL('package-lock.json', import.meta.url)
if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) process.exit(0)

// The npm that runs this script, else the one on the PATH.
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : [process.platform === 'win32' ? 'npm.cmd' : 'npm']
const result = spawnSync(npm[0], [...npm.slice(1), 'install', '--prefix', deploy, '--no-audit', '--no-fund'], { stdio: 'inherit' })
process.exit(result.status ?? 1)
