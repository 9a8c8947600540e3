/**
 * The process cluster's network, all inside 127.0.0.0/8 (Linux routes the whole block to loopback, so pod,
 * service and node addresses need no privileges or interfaces). Several clusters can run on one machine (a demo
 * and the test suite, or two test files): each takes one of {@link NETWORK_SLOTS} slots, and every range below
 * is distinct per slot, so their pods, ClusterIPs and NodePorts never collide. A slot is claimed with a lock file
 * holding the supervisor's pid; a lock whose pid is gone is stale and reused.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const NETWORK_SLOTS = 16;

/**
 * The ranges of slot `slot` (0…15); slot 0 is the classic layout (pods 127.128.0.0/14, services 127.96.0.0/16,
 * nodes 127.0.100.x). Any of these can be overridden through the environment `kubelab up` runs in.
 */
export function processNetwork(slot: number): Record<string, string> {
  checkSlot(slot);
  return {
    /** Pod IPs: node IPAM hands each node a /24 of this (1024 nodes). */
    KUBELAB_CLUSTER_CIDR: `127.${128 + slot * 4}.0.0/14`,
    KUBELAB_NODE_CIDR_MASK_SIZE: '24',
    /** ClusterIPs (the api allocates them; kube-proxy listens on them). */
    KUBELAB_SERVICE_CIDR: `127.${96 + slot}.0.0/16`,
    /** Emulated LoadBalancer ingress IPs. */
    KUBELAB_LOADBALANCER_CIDR: `127.${200 + slot}.0.0/16`,
  };
}

/** The address node `i` of slot `slot` registers and serves NodePorts on: 127.<slot>.100.(i+1) for i < 255. */
export function nodeAddress(i: number, slot = 0): string {
  checkSlot(slot);
  return `127.${slot}.${100 + Math.floor((i + 1) / 256)}.${(i + 1) % 256}`;
}

function checkSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot >= NETWORK_SLOTS) {
    throw new Error(`network slot must be an integer in [0, ${NETWORK_SLOTS}), got ${slot}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the lowest free slot for the supervisor `pid` of cluster `home` (the same home reclaims its own slot)
 * and returns it with a release function. Throws when all slots are held by live clusters.
 */
export function claimNetworkSlot(
  lockDir: string,
  pid: number,
  home: string,
): { slot: number; release(): void } {
  mkdirSync(lockDir, { recursive: true });
  for (let slot = 0; slot < NETWORK_SLOTS; slot++) {
    const path = join(lockDir, `slot-${slot}`);
    try {
      const [holder = '', ...rest] = readFileSync(path, 'utf8').split(' ');
      const holderHome = rest.join(' ').trim();
      if (holderHome !== home && alive(Number(holder))) continue;
      rmSync(path, { force: true });
    } catch {
      // no lock yet
    }
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch {
      continue; // another cluster took it between our read and our open
    }
    writeSync(fd, `${pid} ${home}`);
    closeSync(fd);
    return {
      slot,
      release: () => {
        try {
          if (readFileSync(path, 'utf8').startsWith(`${pid} `)) rmSync(path, { force: true });
        } catch {
          // already gone
        }
      },
    };
  }
  throw new Error(`all ${NETWORK_SLOTS} network slots are held by running kubelab clusters (${lockDir})`);
}
