/**
 * The kubelet's side of node RPC (`kubectl logs` and `kubectl exec`, which the api relays over the bus):
 * logs come from the container's emulated process (current or `--previous`), exec runs in the sandbox and
 * streams stdout/stderr as the command writes them. stdin streams too: the command reads it as it arrives
 * (`kubectl exec -i POD -- sh` runs each line as it is typed). With `tty` the exec gets a terminal, as
 * containerd gives it a pty: a line discipline (echo, line editing, Ctrl-C, Ctrl-D) between the keys and
 * the command, and one output stream with `\r\n` line ends.
 */
import {
  type NodeExecIO,
  type NodeExecRequest,
  type NodeLogsRequest,
  NodeRpcError,
  type NodeRpcHandlers,
} from '@kubelab/bus';
import type { Clock } from '@kubelab/clock';
import { type InputStream, StreamInput } from '../runtime/shell/input.js';
import { Tty } from '../runtime/shell/tty.js';
import type { LogLine } from '../runtime/types.js';
import type { PodWorker } from './pod-worker.js';

/** Finds a pod's worker on this process' nodes. */
export type WorkerLookup = (namespace: string, name: string) => PodWorker | undefined;

function podNotFound(req: { namespace: string; pod: string }): NodeRpcError {
  return new NodeRpcError(404, 'NotFound', `pods "${req.pod}" not found`);
}

function pickContainer(w: PodWorker, req: { pod: string; container?: string | undefined }) {
  const name = req.container ?? w.pod.spec.containers[0]?.name ?? '';
  const c = w.container(name);
  if (c === undefined) {
    throw new NodeRpcError(400, 'BadRequest', `container ${name} is not valid for pod ${req.pod}`);
  }
  return { name, ...c };
}

/** `2026-01-01T00:00:00.123456789Z`: the RFC 3339 nano timestamp `--timestamps` prints. */
function nanoTime(wallMs: number): string {
  return new Date(wallMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

function render(line: LogLine, timestamps: boolean): string {
  return `${timestamps ? `${nanoTime(line.wallMs)} ` : ''}${line.text}\n`;
}

/** Keeps the last `tailLines`, those since `sinceSeconds`, and at most `limitBytes` characters. */
export function selectLines(lines: readonly LogLine[], req: NodeLogsRequest, nowWallMs: number): LogLine[] {
  let out = [...lines];
  if (req.sinceSeconds !== undefined)
    out = out.filter((l) => l.wallMs >= nowWallMs - req.sinceSeconds! * 1000);
  if (req.tailLines !== undefined) out = req.tailLines <= 0 ? [] : out.slice(-req.tailLines);
  return out;
}

/** Where an exec reads and writes: its terminal (`tty`) or its pipes. */
interface ExecStreams {
  readonly input: InputStream | undefined;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Set when the command's Ctrl-C has nobody else to go to (the command is not an interactive shell). */
  readonly interrupted: AbortSignal;
  close(): void;
}

/** A terminal without keys (`kubectl exec -t` without `-i`). */
async function* noKeys(): AsyncGenerator<string> {}

function execStreams(req: NodeExecRequest, io: NodeExecIO): ExecStreams {
  const interrupt = new AbortController();
  if (req.tty) {
    const tty = new Tty(io.stdin ?? noKeys(), (text) => io.stdout(text));
    // The lowest handler: SIGINT's default action ends the command; an interactive shell registers above it.
    tty.onInterrupt(() => interrupt.abort());
    const input = io.stdin ? tty : undefined;
    return {
      input,
      out: tty.output,
      err: tty.output,
      interrupted: interrupt.signal,
      close: () => tty.close(),
    };
  }
  const input = io.stdin ? new StreamInput(io.stdin) : undefined;
  return {
    input,
    out: (text) => io.stdout(text),
    err: (text) => io.stderr(text),
    interrupted: interrupt.signal,
    close: () => input?.close(),
  };
}

/**
 * @example
 * await serveNodeRpc(bus, nodeName, nodeRpcHandlers((ns, name) => kubelet.worker(ns, name), clock));
 */
export function nodeRpcHandlers(lookup: WorkerLookup, clock: Clock): NodeRpcHandlers {
  return {
    async *logs(req: NodeLogsRequest, signal: AbortSignal): AsyncIterable<string> {
      const w = lookup(req.namespace, req.pod);
      if (w === undefined) throw podNotFound(req);
      const c = pickContainer(w, req);
      const proc = req.previous ? c.previous : c.current;
      if (proc === undefined) {
        if (req.previous) {
          throw new NodeRpcError(
            400,
            'BadRequest',
            `previous terminated container "${c.name}" in pod "${req.pod}" not found`,
          );
        }
        const why = c.state.waiting?.reason ?? 'ContainerCreating';
        throw new NodeRpcError(
          400,
          'BadRequest',
          `container "${c.name}" in pod "${req.pod}" is waiting to start: ${why}`,
        );
      }
      const ts = req.timestamps ?? false;
      let budget = req.limitBytes ?? Number.POSITIVE_INFINITY;
      const emit = (text: string): string | undefined => {
        if (budget <= 0) return undefined;
        const chunk = text.length > budget ? text.slice(0, budget) : text;
        budget -= chunk.length;
        return chunk;
      };
      const backlog = selectLines(proc.logs(), req, clock.wallNow())
        .map((l) => render(l, ts))
        .join('');
      const first = emit(backlog);
      if (first) yield first;
      if (!req.follow || req.previous || proc.exitStatus() !== undefined || budget <= 0) return;
      for await (const line of proc.followLogs(signal)) {
        const chunk = emit(render(line, ts));
        if (chunk === undefined) return;
        yield chunk;
      }
    },
    async exec(req: NodeExecRequest, io, signal) {
      const w = lookup(req.namespace, req.pod);
      if (w === undefined) throw podNotFound(req);
      const c = pickContainer(w, req);
      const sandbox = w.sandbox;
      if (sandbox === undefined || !c.state.running) {
        throw new NodeRpcError(
          400,
          'BadRequest',
          `unable to upgrade connection: container not found ("${c.name}")`,
        );
      }
      // Output streams as the command writes it; stdin as it arrives (or whole, from req.stdin).
      const streams = execStreams(req, io);
      try {
        const r = await sandbox.exec(c.name, req.command, {
          ...(req.stdin !== undefined ? { stdin: req.stdin } : {}),
          ...(streams.input ? { input: streams.input } : {}),
          signal: AbortSignal.any([signal, streams.interrupted]),
          onStdout: streams.out,
          onStderr: streams.err,
        });
        return { exitCode: streams.interrupted.aborted ? 130 : r.exitCode };
      } finally {
        streams.close();
      }
    },
  };
}
