/**
 * The external binaries kubelab runs for real: nats-server and redis-server. Found on PATH; when missing on
 * Debian/Ubuntu as root they are installed with apt-get; anywhere else we stop with a message saying how.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { constants, accessSync, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A binary kubelab needs and the Debian package that provides it. */
export interface BinarySpec {
  readonly command: string;
  readonly debianPackage: string;
  readonly purpose: string;
}

export const NATS_SERVER: BinarySpec = {
  command: 'nats-server',
  debianPackage: 'nats-server',
  purpose: 'the message bus',
};
export const REDIS_SERVER: BinarySpec = {
  command: 'redis-server',
  debianPackage: 'redis-server',
  purpose: 'leader-election leases',
};

/** The real kubectl, for the integration tests (any recent kubectl on PATH wins over Debian's older one). */
export const KUBECTL: BinarySpec = {
  command: 'kubectl',
  debianPackage: 'kubernetes-client',
  purpose: 'the Kubernetes CLI',
};

export class MissingBinaryError extends Error {
  override readonly name = 'MissingBinaryError';
}

/** The absolute path of `command` on PATH, or undefined. */
export function findOnPath(command: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

function isDebianLike(): boolean {
  return existsSync('/etc/debian_version') && findOnPath('apt-get') !== undefined;
}

/**
 * Makes sure every spec is on PATH, installing the missing ones with apt-get when that is possible
 * (Debian/Ubuntu, running as root). Returns the resolved paths by command name.
 */
export function ensureBinaries(
  specs: readonly BinarySpec[],
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Map<string, string> {
  const missing = specs.filter((s) => findOnPath(s.command) === undefined);
  if (missing.length > 0) {
    const pkgs = missing.map((s) => s.debianPackage);
    const canInstall = isDebianLike() && process.getuid?.() === 0;
    if (!canInstall) {
      const what = missing.map((s) => `${s.command} (${s.purpose})`).join(', ');
      throw new MissingBinaryError(
        `kubelab needs ${what} on PATH. Install ${pkgs.join(' ')}: on Debian/Ubuntu ` +
          `"sudo apt-get install -y ${pkgs.join(' ')}", on macOS "brew install nats-server redis".`,
      );
    }
    log(`installing ${pkgs.join(' ')} with apt-get (missing from PATH)`);
    // RUNLEVEL=1 keeps invoke-rc.d from starting the distribution's own redis service on install.
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' };
    const update = spawnSync('apt-get', ['update', '-qq'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (update.status !== 0) log('apt-get update failed; trying the install with the cached package lists');
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const paths = new Map<string, string>();
  for (const spec of specs) {
    const path = findOnPath(spec.command);
    if (path === undefined)
      throw new MissingBinaryError(`${spec.command} is still missing after installing it`);
    paths.set(spec.command, path);
  }
  return paths;
}
