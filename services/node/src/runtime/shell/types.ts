/** What commands (shell utilities and image programs) see of the shell that runs them. */
import type { Clock } from '@kubelab/clock';
import type { CatalogImage } from '../catalog.js';
import type { ContainerFs } from '../fs.js';
import type { NetContext } from '../net/context.js';
import type { InputStream } from './input.js';

/**
 * A command's standard streams. stdin is a whole string (a pipe stage's input, `< file`, a probe's none)
 * unless `input` is set: then it arrives over time (`kubectl exec -i`) and `stdin` is ''. Read it through
 * `stdinText`/`copyStdin` (input.ts) to handle both. Output is written in chunks.
 */
export interface CommandIO {
  readonly stdin: string;
  /** Incremental input, shared by the foreground commands of an exec (its terminal or pipe). */
  readonly input?: InputStream | undefined;
  out(text: string): void;
  err(text: string): void;
}

/** The container a command runs in (shared by every shell and program of that container). */
export interface ContainerContext {
  readonly clock: Clock;
  readonly fs: ContainerFs;
  readonly hostname: string;
  readonly net: NetContext;
  /** The container's name in the pod (servers use it to claim ports). */
  readonly name: string;
  /** The image's catalog entry and the tag it was started from. */
  readonly image: CatalogImage;
  readonly imageTag: string;
  /** The containerPorts of the container spec (servers listen there when the list is not empty). */
  readonly ports: readonly number[];
  /** Commands on this container's PATH by name (shell utilities plus the image's programs). */
  readonly commands: ReadonlyMap<string, CommandFn>;
  /** Counts served requests for emulated usage. */
  recordRequest(): void;
}

/** Everything a running command may use. */
export interface CommandContext {
  readonly argv: readonly string[];
  readonly io: CommandIO;
  readonly container: ContainerContext;
  /** The exported environment of this command (already including `VAR=x cmd` assignments). */
  readonly env: ReadonlyMap<string, string>;
  readonly cwd: string;
  /**
   * Aborts when the command must stop at once: the process is SIGKILLed, the exec timed out, or a trapped
   * signal interrupts the foreground command. Long waits (sleep, servers, network) pass it on.
   */
  readonly signal: AbortSignal;
  /** True once the process is killed (as opposed to interrupted by a trapped signal). */
  killed(): boolean;
  /**
   * Registers a handler for SIGTERM/SIGQUIT/SIGINT while this command runs in the foreground (a server
   * shutting down gracefully); returns the unregister function. Without one, the signal goes to the shell.
   */
  onSignal(handler: (signal: string) => void): () => void;
  /** Runs a nested shell script in this command's context (for `sh`, `watch`-like utilities). */
  runShell(args: readonly string[], io: CommandIO): Promise<number>;
}

/** A command: returns its exit status. Throws only for bugs (or {@link ProcessKilled}). */
export type CommandFn = (ctx: CommandContext) => Promise<number>;

/** Unwinds every shell level when the process is killed; never reaches the user. */
export class ProcessKilled extends Error {
  override readonly name = 'ProcessKilled';
}
