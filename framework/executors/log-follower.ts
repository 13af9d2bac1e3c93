import type { ContainerService } from './container-service.js'
import { messageOf } from './aws-errors.js'

/**
 * Follows one log stream while its task runs: each `poll` prints the events written since the
 * last one (GetLogEvents pages, continuing with the forward token until it stops changing).
 * Reading logs never fails the task: after an error it warns once and stops following.
 */
export function logFollower(containers: ContainerService, group: string, stream: string, print: (line: string) => void, warn: (message: string) => void): { poll(): Promise<void> } {
  let token: string | undefined
  let broken = false
  return {
    async poll() {
      // A page limit: a chatty task must not keep the watcher from its DescribeTasks.
      for (let page = 0; page < 20 && !broken; page++) {
        try {
          const result = await containers.readLogs(group, stream, token)
          for (const event of result.events) for (const line of event.message.split('\n')) if (line.trim() !== '') print(line)
          const unchanged = result.nextToken === undefined || result.nextToken === token
          token = result.nextToken ?? token
          if (unchanged || result.events.length === 0) return
        } catch (error) {
          broken = true
          warn(`could not read log stream ${stream} of group ${group}: ${messageOf(error)}; the task goes on, its log stays in CloudWatch Logs`)
        }
      }
    },
  }
}
