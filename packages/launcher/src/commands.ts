/** `kubelab down|status|logs|kill|restart|doctor`: talk to the running supervisor through state.json. */
import { createReadStream, existsSync, readFileSync, statSync, watch } from 'node:fs';
import { KUBECTL, NATS_SERVER, REDIS_SERVER, ensureBinaries, findOnPath } from '@kubelab/binaries';
import type { CliArgs } from './args.js';
import { callControl } from './control.js';
import { connectHealthClient } from './health.js';
import { type ClusterState, type ProcessState, pidAlive, readState, statePath } from './state.js';

function requireRunning(home: string): ClusterState {
  const st = readState(home);
  if (!st || !pidAlive(st.supervisorPid)) {
    throw new Error(`no kubelab cluster is running from ${home} (start one with "kubelab up")`);
  }
  return st;
}

async function liveProcesses(st: ClusterState): Promise<ProcessState[]> {
  return (await callControl<{ processes: ProcessState[] }>(st.controlPort, 'GET', '/status')).processes;
}

function findProc(procs: readonly ProcessState[], name: string | undefined): ProcessState {
  const p = procs.find((x) => x.name === name);
  if (!p) throw new Error(`no process named "${name ?? ''}"; known: ${procs.map((x) => x.name).join(', ')}`);
  return p;
}

export async function down(args: CliArgs): Promise<number> {
  const st = readState(args.home);
  if (!st) {
    console.log(`no kubelab cluster in ${args.home}`);
    return 0;
  }
  if (pidAlive(st.supervisorPid)) {
    await callControl(st.controlPort, 'POST', '/down').catch(() => process.kill(st.supervisorPid, 'SIGTERM'));
    const deadline = Date.now() + 30_000;
    while (pidAlive(st.supervisorPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (pidAlive(st.supervisorPid)) process.kill(st.supervisorPid, 'SIGKILL');
  }
  // A supervisor that died without cleaning up (SIGKILL) leaves children behind: stop the ones state.json names.
  for (const p of st.processes) if (p.pid && pidAlive(p.pid) && ownsPid(p)) process.kill(p.pid, 'SIGKILL');
  if (existsSync(statePath(args.home)))
    (await import('node:fs')).rmSync(statePath(args.home), { force: true });
  console.log('kubelab is down');
  return 0;
}

/** Guards against signalling a recycled pid: the process must still run the command we started. */
function ownsPid(p: ProcessState): boolean {
  try {
    const cmd = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8');
    return p.role === 'nats' || p.role === 'redis'
      ? cmd.includes(`${p.role}-server`)
      : cmd.includes(`services/${p.role}/`);
  } catch {
    return false;
  }
}

export async function status(args: CliArgs): Promise<number> {
  const st = requireRunning(args.home);
  const procs = await liveProcesses(st);
  const health = await connectHealthClient(st.natsUrl).catch(() => undefined);
  const rows = await Promise.all(
    procs.map(async (p) => {
      const h =
        p.alive && health && p.role !== 'nats' && p.role !== 'redis'
          ? await health.check(p, AbortSignal.timeout(1000))
          : undefined;
      const leader = h?.leader === undefined ? '-' : h.leader ? 'yes' : 'no';
      const ready =
        p.role === 'nats' || p.role === 'redis' ? (p.alive ? 'yes' : 'no') : h?.ready ? 'yes' : 'no';
      return [
        p.name,
        p.role,
        String(p.pid ?? '-'),
        String(p.port ?? '-'),
        p.alive ? 'yes' : `no (${p.lastExit ?? '?'})`,
        ready,
        leader,
        String(p.restarts),
      ];
    }),
  );
  await health?.close();
  const table = [['NAME', 'ROLE', 'PID', 'PORT', 'ALIVE', 'READY', 'LEADER', 'RESTARTS'], ...rows];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length))) ?? [];
  for (const r of table)
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  console.log(`\ncluster ${st.phase}; kubeconfig ${st.kubeconfig}`);
  return 0;
}

export async function kill(args: CliArgs): Promise<number> {
  const st = requireRunning(args.home);
  const p = findProc(await liveProcesses(st), args.target);
  if (!p.alive || !p.pid) throw new Error(`${p.name} is not running`);
  process.kill(p.pid, 'SIGKILL');
  console.log(`killed ${p.name} (pid ${p.pid}) with SIGKILL; "kubelab restart ${p.name}" brings it back`);
  return 0;
}

export async function restart(args: CliArgs): Promise<number> {
  const st = requireRunning(args.home);
  findProc(await liveProcesses(st), args.target);
  await callControl(st.controlPort, 'POST', `/restart/${args.target}`);
  console.log(`restarted ${args.target}`);
  return 0;
}

export async function logs(args: CliArgs): Promise<number> {
  const st = readState(args.home);
  const file = `${args.home}/logs/${args.target ?? ''}.log`;
  if (!args.target || !existsSync(file)) {
    const known = st?.processes.map((p) => p.name).join(', ') ?? 'none';
    throw new Error(`no log for "${args.target ?? ''}"; known processes: ${known}`);
  }
  process.stdout.write(readFileSync(file));
  if (!args.follow) return 0;
  let offset = statSync(file).size;
  await new Promise<void>(() => {
    watch(file, () => {
      const size = statSync(file).size;
      if (size <= offset) return;
      createReadStream(file, { start: offset, end: size - 1 }).pipe(process.stdout, { end: false });
      offset = size;
    });
  });
  return 0;
}

/** Checks (or installs) the servers the cluster runs, and kubectl, which users and the tests drive it with. */
export function doctor(args: CliArgs): number {
  const specs = [NATS_SERVER, REDIS_SERVER, KUBECTL];
  if (args.install) ensureBinaries(specs);
  let ok = true;
  for (const s of specs) {
    const path = findOnPath(s.command);
    ok &&= path !== undefined;
    console.log(`${s.command.padEnd(13)} ${path ?? `missing (Debian package ${s.debianPackage})`}`);
  }
  return ok ? 0 : 1;
}
