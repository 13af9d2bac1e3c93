import { readFileSync, readlinkSync } from 'node:fs'
import { hostname } from 'node:os'

/**
 * Who a process is, well enough to tell later whether it still runs: the host name, the pid, and
 * (on Linux) the kernel's boot id, the pid namespace and the process's start time, so a pid that a
 * later process reused is not mistaken for the original, and a container that shares the host's
 * name but not its pids is never judged from outside.
 */
export interface ProcessIdentity {
  readonly host: string
  readonly pid: number
  /** `<boot id>/<pid namespace>/<start time in clock ticks since boot>` (Linux); absent elsewhere. */
  readonly started?: string
}

/** Whether a recorded process still runs: `unknown` when it ran on another host (then time decides). */
export type Liveness = 'alive' | 'dead' | 'unknown'

/** Tells whether a recorded process is alive; injected in tests. */
export type LivenessProbe = (process: ProcessIdentity) => Liveness

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** Field 22 of /proc/<pid>/stat (start time); the command name in field 2 may hold spaces and parentheses. */
function startTicks(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
}

let kernelCache: string | undefined | null = null
/** This kernel boot and pid namespace, e.g. `6f1c…/4026531836`: pids compare only within one. */
function pidSpace(): string | undefined {
  if (kernelCache === null) {
    const boot = readText('/proc/sys/kernel/random/boot_id')?.trim()
    let namespace: string | undefined
    try {
      namespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1]
    } catch {
      namespace = undefined
    }
    kernelCache = boot !== undefined && namespace !== undefined ? `${boot}/${namespace}` : undefined
  }
  return kernelCache
}

/** This process. */
export function currentProcess(): ProcessIdentity {
  const space = pidSpace()
  const ticks = startTicks(process.pid)
  return { host: hostname(), pid: process.pid, ...(space !== undefined && ticks !== undefined ? { started: `${space}/${ticks}` } : {}) }
}

/**
 * Whether `recorded` still runs. Only a process on this host (same host name and, where recorded,
 * the same boot and pid namespace) can be checked; a pid that is gone, or that now belongs to a
 * process started at another time, is dead.
 */
export const processLiveness: LivenessProbe = (recorded) => {
  if (!Number.isSafeInteger(recorded.pid) || recorded.pid <= 0 || recorded.host !== hostname()) return 'unknown'
  if (recorded.started !== undefined) {
    const cut = recorded.started.lastIndexOf('/')
    if (recorded.started.slice(0, cut) !== pidSpace()) return 'unknown'
    return startTicks(recorded.pid) === recorded.started.slice(cut + 1) ? 'alive' : 'dead'
  }
  // Recorded without a start time (not Linux): a pid that answers is taken as the holder.
  try {
    process.kill(recorded.pid, 0)
    return 'alive'
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH' ? 'dead' : 'alive'
  }
}
