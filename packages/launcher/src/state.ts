/**
 * `$KUBELAB_HOME/state.json`: what the running supervisor publishes for the other `kubelab` commands
 * (its pid and control port, and every process with its pid). Written atomically (temp file + rename).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from './topology.js';

export interface ProcessState {
  readonly name: string;
  readonly role: Role;
  readonly pid: number | null;
  readonly port: number | null;
  readonly alive: boolean;
  /** Exit code or signal of the last exit, if it exited. */
  readonly lastExit: string | null;
  readonly restarts: number;
  readonly logFile: string;
}

export interface ClusterState {
  readonly supervisorPid: number;
  readonly controlPort: number;
  /** `starting` until every process is ready, then `ready`; `stopping` during `down`. */
  readonly phase: 'starting' | 'ready' | 'failed' | 'stopping';
  readonly error?: string;
  readonly natsUrl: string;
  readonly redisUrl: string;
  readonly kubeconfig: string;
  readonly processes: readonly ProcessState[];
}

export const statePath = (home: string): string => join(home, 'state.json');

export function writeState(home: string, state: ClusterState): void {
  mkdirSync(home, { recursive: true });
  const tmp = `${statePath(home)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, statePath(home));
}

/** The state file, or undefined when no cluster has run in this home. */
export function readState(home: string): ClusterState | undefined {
  try {
    return JSON.parse(readFileSync(statePath(home), 'utf8')) as ClusterState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** True if a process with this pid exists (signal 0 probes without sending anything). */
export function pidAlive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
