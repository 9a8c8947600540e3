/**
 * `kubelab up` and the supervisor process behind it. The supervisor allocates free ports, starts every
 * process, serves the control endpoint, keeps `state.json` current and writes the kubeconfig once ready.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_SERVER, REDIS_SERVER, ensureBinaries } from '@kubelab/binaries';
import { ADMIN_USER, ensureClusterPki, issueToken } from '@kubelab/pki';
import type { CliArgs } from './args.js';
import { startControlServer } from './control.js';
import { type HealthClient, connectHealthClient } from './health.js';
import { renderKubeconfig } from './kubeconfig.js';
import { claimNetworkSlot } from './network.js';
import { freePorts } from './ports.js';
import { type ClusterState, pidAlive, readState, writeState } from './state.js';
import { Supervisor } from './supervisor.js';
import { type ProcessSpec, buildTopology, defaultReplicas, natsConfig, serviceIdentity } from './topology.js';

const repoRoot = new URL('../../..', import.meta.url).pathname.replace(/\/$/, '');
const kubeconfigPath = (home: string) => join(home, 'kubeconfig');

/** Refuses to start a second cluster in the same home. */
function assertNotRunning(home: string): void {
  const prev = readState(home);
  if (prev && pidAlive(prev.supervisorPid)) {
    throw new Error(
      `a cluster is already running from ${home} (supervisor pid ${prev.supervisorPid}); run "kubelab down" first`,
    );
  }
}

export async function up(args: CliArgs): Promise<number> {
  assertNotRunning(args.home);
  ensureBinaries([NATS_SERVER, REDIS_SERVER]);
  if (!args.detach)
    return supervise(args, (name, line) => process.stdout.write(`${name.padEnd(13)}| ${line}\n`));
  mkdirSync(args.home, { recursive: true });
  rmSync(join(args.home, 'state.json'), { force: true });
  const logPath = join(args.home, 'supervisor.log');
  const out = openSync(logPath, 'a');
  const child = spawn(
    process.execPath,
    [process.argv[1] ?? 'bin/kubelab.js', 'supervise', '--home', args.home, '--nodes', String(args.nodes)],
    {
      detached: true,
      stdio: ['ignore', out, out],
      env: process.env,
    },
  );
  child.unref();
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    const st = readState(args.home);
    if (st?.phase === 'ready') {
      printReady(st);
      return 0;
    }
    if (st?.phase === 'failed' || (child.pid !== undefined && !pidAlive(child.pid))) {
      const error = st?.error ?? 'the supervisor exited';
      const tail = (path: string) => {
        try {
          return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n');
        } catch {
          return '(no log)';
        }
      };
      // The process that failed says why in its own log: show its end too.
      const failedLog = /see (\S+\.log)$/.exec(error)?.[1];
      const own = failedLog ? `--- ${failedLog}\n${tail(failedLog)}\n` : '';
      process.stderr.write(`kubelab up failed: ${error}\n${own}--- ${logPath}\n${tail(logPath)}\n`);
      return 1;
    }
  }
}

function printReady(st: ClusterState): void {
  const services = st.processes.filter((p) => p.role !== 'nats' && p.role !== 'redis').length;
  process.stdout.write(
    `kubelab is up: ${services} services, nats ${st.natsUrl}, redis ${st.redisUrl}\n` +
      `Point kubectl at it:\n  export KUBECONFIG=${st.kubeconfig}\n  kubectl version\n` +
      `Stop it with "kubelab down"; see each process with "kubelab status".\n`,
  );
}

/**
 * The supervisor: runs in the foreground of `kubelab up` (with `lineSink` printing prefixed logs) or as the
 * detached `kubelab supervise` process. Returns when the cluster has been stopped.
 */
export async function supervise(
  args: CliArgs,
  lineSink?: (name: string, line: string) => void,
): Promise<number> {
  const home = args.home;
  mkdirSync(join(home, 'data', 'redis'), { recursive: true });
  const replicas = defaultReplicas(args.nodes);
  const [natsPort, redisPort, ...apiPorts] = await freePorts(2 + replicas.api);
  // The cluster CA, the api's serving certificate and the token secret: created on the first start, reused after.
  const pki = ensureClusterPki(join(home, 'pki'), { wallNowMs: Date.now() });
  // One network slot per running cluster on this machine, so two clusters' pods and ClusterIPs never collide.
  const network = claimNetworkSlot(join(tmpdir(), 'kubelab-network-slots'), process.pid, home);
  const natsConfigFile = join(home, 'nats.conf');
  writeFileSync(natsConfigFile, natsConfig());
  const specs = buildTopology({
    networkSlot: network.slot,
    nodes: args.nodes,
    replicas,
    home,
    natsPort: natsPort as number,
    redisPort: redisPort as number,
    apiPorts,
    repoRoot,
    nodeBin: process.execPath,
    natsConfigFile,
    extraEnv: { ...passThroughEnv(process.env), KUBELAB_PKI_DIR: pki.dir },
    serviceEnv: (name, role) => ({ KUBELAB_TOKEN: issueToken(pki.tokenSecret, serviceIdentity(name, role)) }),
  });
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  let health: HealthClient | undefined;
  const probe = async (spec: ProcessSpec, signal: AbortSignal) => {
    if (spec.role === 'nats' || spec.role === 'redis') return portOpen(spec.port ?? 0);
    health ??= await connectHealthClient(natsUrl);
    const h = await health.check(spec, signal);
    return h?.ready === true;
  };
  const base = {
    supervisorPid: process.pid,
    natsUrl,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    kubeconfig: kubeconfigPath(home),
  };
  let phase: ClusterState['phase'] = 'starting';
  let error: string | undefined;
  const sup: Supervisor = new Supervisor({
    home,
    specs,
    probe,
    ...(lineSink ? { lineSink } : {}),
    onChange: () => save(),
    // How long each process may take to become ready (a loaded machine or many hollow nodes need more).
    readyTimeoutMs: readyTimeoutMs(process.env),
  });
  const stop = new AbortController();
  const done = new Promise<void>((resolve) =>
    stop.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  const control = await startControlServer({
    status: () => ({ phase, processes: sup.states() }),
    restart: (name) =>
      sup.has(name)
        ? sup.restart(name, stop.signal)
        : Promise.reject(new Error(`no process named "${name}"`)),
    down: () => stop.abort(new Error('kubelab down')),
  });
  const save = () =>
    writeState(home, {
      ...base,
      controlPort: control.port,
      phase,
      ...(error ? { error } : {}),
      processes: sup.states(),
    });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(sig, () => stop.abort(new Error(sig)));
  save();
  try {
    await sup.start(stop.signal);
    const api0 = specs.find((s) => s.role === 'api');
    const kubeconfig = renderKubeconfig({
      server: `https://127.0.0.1:${api0?.port}`,
      caPem: pki.ca.certPem,
      token: issueToken(pki.tokenSecret, ADMIN_USER),
    });
    writeFileSync(kubeconfigPath(home), kubeconfig, { mode: 0o600 });
    phase = 'ready';
    save();
    if (lineSink) printReady(readState(home) as ClusterState);
    await done;
  } catch (err) {
    phase = 'failed';
    error = err instanceof Error ? err.message : String(err);
    save();
    process.stderr.write(`kubelab: ${error}\n`);
  }
  phase = phase === 'failed' ? 'failed' : 'stopping';
  save();
  await health?.close();
  await sup.stopAll();
  control.server.close();
  network.release();
  if (phase !== 'failed') rmSync(join(home, 'state.json'), { force: true });
  return phase === 'failed' ? 1 : 0;
}

/** `KUBELAB_READY_TIMEOUT_MS` (default 60 s): how long `up` waits for each process to report ready. */
function readyTimeoutMs(env: NodeJS.ProcessEnv): number {
  const raw = env.KUBELAB_READY_TIMEOUT_MS;
  const n = raw === undefined || raw === '' ? 60_000 : Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`KUBELAB_READY_TIMEOUT_MS must be a positive integer, got "${raw}"`);
  return n;
}

/** Settings that flow from the launcher's environment to every service. */
function passThroughEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (k === 'KUBELAB_HOME' || v === undefined) continue;
    if (k.startsWith('KUBELAB_') || k.startsWith('OTEL_') || k === 'LOG_LEVEL') out[k] = v;
  }
  return out;
}

async function portOpen(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
