/** An in-process node RPC client for the pod subresource tests. */
import type { NodeExecIO, NodeExecRequest, NodeLogsRequest, NodeRpcClient, NodeRpcError } from '@kubelab/bus';

/** A node RPC client answered in process: records calls, answers from `logs`/`exec` set per test. */
export class FakeNodes implements NodeRpcClient {
  readonly calls: { node: string; req: NodeLogsRequest | NodeExecRequest }[] = [];
  chunks: string[] = [];
  refuse: NodeRpcError | undefined;
  /** When set, the stream waits on it after the chunks (a follow). */
  hold: Promise<void> | undefined;
  cancelled = false;
  execResult = { exitCode: 0 };
  /** What `cat` (no arguments) read from the streamed stdin, chunk by chunk. */
  readonly stdinChunks: string[] = [];

  async *logs(node: string, req: NodeLogsRequest, signal?: AbortSignal): AsyncIterable<string> {
    this.calls.push({ node, req });
    if (this.refuse) throw this.refuse;
    for (const c of this.chunks) yield c;
    if (this.hold) {
      const aborted = new Promise<void>((r) => signal?.addEventListener('abort', () => r()));
      await Promise.race([this.hold, aborted]);
      if (signal?.aborted) this.cancelled = true;
    }
  }

  async exec(
    node: string,
    req: NodeExecRequest,
    io: NodeExecIO,
    _signal?: AbortSignal,
  ): Promise<{ exitCode: number }> {
    this.calls.push({ node, req });
    if (this.refuse) throw this.refuse;
    for (const c of this.chunks) io.stdout(c);
    // `cat` echoes its stdin as it arrives, as the emulated one does; other commands ignore stdin.
    if (req.command.length === 1 && req.command[0] === 'cat') {
      for await (const c of io.stdin ?? []) {
        this.stdinChunks.push(c);
        io.stdout(c);
      }
    }
    return this.execResult;
  }
}
