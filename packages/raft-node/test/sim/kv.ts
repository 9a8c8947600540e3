/**
 * The replicated state machine the simulator runs on top of raft: a string key-value map with put, get and
 * compare-and-swap, plus client sessions for exactly-once application (Raft thesis §6.3). Each client runs
 * one operation at a time, numbered by `seq`; a retried command (same client and seq) is applied once and
 * answered from the session, and a command older than the session's last is ignored.
 */
import type { KvInput, KvOutput } from '@kubelab/testkit';

/** A command in a log entry. */
export interface KvCommand {
  readonly client: number;
  readonly seq: number;
  readonly input: KvInput;
}

/** How a client wants a get served: through the log, or by ReadIndex without writing (thesis §6.4). */
export type ReadPath = 'log' | 'readIndex';

/** A client's request to a node. `attempt` tells retries apart (ReadIndex contexts must be unique). */
export interface ClientRequest {
  readonly client: number;
  readonly seq: number;
  readonly attempt: number;
  readonly input: KvInput;
  readonly readPath: ReadPath;
}

/** A node's answer: the output, or a refusal naming the leader to try (0 if unknown). */
export type ClientResponse =
  | {
      readonly client: number;
      readonly seq: number;
      readonly attempt: number;
      readonly ok: true;
      readonly output: KvOutput;
      /** For a ReadIndex read: the applied index of the state it read, plus 0.5 (its place in the log order). */
      readonly position?: number;
    }
  | {
      readonly client: number;
      readonly seq: number;
      readonly attempt: number;
      readonly ok: false;
      readonly leader: number;
    };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(cmd: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

export function decodeCommand(data: Uint8Array): KvCommand {
  return JSON.parse(decoder.decode(data)) as KvCommand;
}

interface Session {
  readonly seq: number;
  readonly output: KvOutput;
}

export class KvStateMachine {
  private readonly data = new Map<string, string>();
  private readonly sessions = new Map<number, Session>();

  /**
   * Applies a committed command: the output, or undefined when it is older than the client's last one (a
   * late duplicate of a command the client gave up on; it must not take effect after a newer one).
   */
  apply(cmd: KvCommand): KvOutput | undefined {
    const session = this.sessions.get(cmd.client);
    if (session !== undefined && cmd.seq <= session.seq) {
      return cmd.seq === session.seq ? session.output : undefined;
    }
    const output = this.execute(cmd.input);
    this.sessions.set(cmd.client, { seq: cmd.seq, output });
    return output;
  }

  /** Whether applying `cmd` would take effect (it is newer than its client's last command). */
  isFresh(cmd: KvCommand): boolean {
    return (this.sessions.get(cmd.client)?.seq ?? 0) < cmd.seq;
  }

  /** A local read (ReadIndex reads call it once the read index is applied). */
  read(key: string): string | undefined {
    return this.data.get(key);
  }

  private execute(input: KvInput): KvOutput {
    const current = this.data.get(input.key);
    switch (input.kind) {
      case 'put':
        this.data.set(input.key, input.value);
        return { kind: 'put' };
      case 'get':
        return { kind: 'get', value: current };
      case 'cas': {
        const ok = current === input.expected;
        if (ok) this.data.set(input.key, input.value);
        return { kind: 'cas', ok };
      }
    }
  }

  /** The whole state, deterministically ordered: snapshot data, and the digest replicas are compared by. */
  encode(): Uint8Array {
    return encoder.encode(this.digest());
  }

  digest(): string {
    const data = [...this.data.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const sessions = [...this.sessions.entries()].sort(([a], [b]) => a - b);
    return JSON.stringify({ data, sessions });
  }

  static decode(bytes: Uint8Array): KvStateMachine {
    const sm = new KvStateMachine();
    if (bytes.byteLength === 0) return sm;
    const { data, sessions } = JSON.parse(decoder.decode(bytes)) as {
      data: [string, string][];
      sessions: [number, Session][];
    };
    for (const [k, v] of data) sm.data.set(k, v);
    for (const [c, s] of sessions) sm.sessions.set(c, s);
    return sm;
  }
}
