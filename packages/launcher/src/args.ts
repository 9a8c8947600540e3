/** Command-line parsing for `kubelab` (node:util parseArgs; no dependency needed for a handful of flags). */
import { parseArgs } from 'node:util';

export const USAGE = `kubelab: a Kubernetes-style cluster as local processes

Usage:
  kubelab up [--nodes N] [--detach]   start nats-server, redis-server and every service; wait until ready
  kubelab down                        stop the cluster started from this KUBELAB_HOME
  kubelab status                      each process: role, pid, port, alive, leader
  kubelab logs <proc> [-f]            a process' log (e.g. api-0, scheduler-1, nats)
  kubelab kill <proc>                 SIGKILL a process (chaos drill); it stays down until restarted
  kubelab restart <proc>              stop (if alive) and start a process again
  kubelab doctor [--install]          check (or install) nats-server, redis-server and kubectl

Options:
  --home DIR    state, logs, data and kubeconfig (default $KUBELAB_HOME or ./.kubelab)
  --nodes N     worker node processes for "up" (default 2)
  --detach      "up" returns once the cluster is ready, leaving it running in the background
  -f, --follow  "logs" keeps printing new lines
`;

export interface CliArgs {
  readonly command: string;
  readonly target: string | undefined;
  readonly home: string;
  readonly nodes: number;
  readonly detach: boolean;
  readonly follow: boolean;
  readonly install: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): CliArgs {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      home: { type: 'string' },
      nodes: { type: 'string' },
      detach: { type: 'boolean', default: false },
      follow: { type: 'boolean', short: 'f', default: false },
      install: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = values.help ? 'help' : (positionals[0] ?? 'help');
  const nodes = values.nodes === undefined ? 2 : Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 0 || nodes > 1000)
    throw new UsageError(`--nodes must be an integer 0..1000, got "${values.nodes}"`);
  const home = values.home ?? env.KUBELAB_HOME ?? `${cwd}/.kubelab`;
  return {
    command,
    target: positionals[1],
    home: home.startsWith('/') ? home : `${cwd}/${home}`,
    nodes,
    detach: values.detach ?? false,
    follow: values.follow ?? false,
    install: values.install ?? false,
  };
}
