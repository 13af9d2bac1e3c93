import { asStrataError } from '../errors/index.js'
import type { AssetCheck, CheckContext, CheckResult } from './check.js'

/**
 * Run an asset's checks one after the other against one partition. Never throws: a check that
 * itself crashes is a failed result saying so, so a broken check cannot pass silently.
 */
export async function runAssetChecks(checks: readonly AssetCheck[], context: CheckContext): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  for (const check of checks) {
    const base = { name: check.name, severity: check.severity, blocking: check.blocking }
    try {
      results.push({ ...base, ...(await check.run(context)) })
    } catch (error) {
      results.push({ ...base, passed: false, message: `the check itself failed: ${asStrataError(error).message}` })
    }
  }
  return results
}
