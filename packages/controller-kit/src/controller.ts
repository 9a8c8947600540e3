/**
 * What a control loop is to the manager that runs it (kube-controller-manager's `InitFunc` + `Run`): built from a
 * {@link ControllerContext}, it registers its informer handlers in its constructor (so the shared factory knows
 * which informers to start), then `run(signal)` waits for the caches and runs workers until the term ends.
 */
import type { ApiClient, SharedInformerFactory } from '@kubelab/api-client';
import type { Clock, Rng } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import type { EventRecorder } from './events.js';

/** Everything a controller may use; one per leadership term, shared by every controller of the manager. */
export interface ControllerContext {
  /** Writes carry the term's fencing token. */
  readonly client: ApiClient;
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly logger: Logger;
  readonly recorder: EventRecorder;
  /** A recorder for another event source (`deployment-controller`); {@link runControllers} gives each controller its own. */
  readonly newRecorder?: (component: string) => EventRecorder;
  /** Settings from the environment (`KUBELAB_*`), read by each controller for its own knobs. */
  readonly settings: Readonly<Record<string, string | undefined>>;
}

/** One control loop. */
export interface Controller {
  /** Its name in logs and `--controllers`, e.g. `replicaset`. */
  readonly name: string;
  /** Waits for its informers to sync, then reconciles until `signal` aborts; resolves then. */
  run(signal: AbortSignal): Promise<void>;
}

/** Builds a controller; must not start anything (the manager starts the informers after every constructor ran). */
export type ControllerConstructor = (ctx: ControllerContext) => Controller;

/** Options of {@link runControllers}. */
export interface RunControllersOptions {
  /** The event source of a controller (Kubernetes' `deployment-controller`, `node-controller`); default `<name>-controller`. */
  readonly eventSource?: (name: string) => string | undefined;
}

/**
 * Builds every controller, starts the shared informers and runs them all until `signal` aborts. A controller
 * that throws is logged and does not stop the others (kube-controller-manager keeps running the rest). Each
 * controller records events under its own source (what `kubectl describe` shows in FROM) when the context can
 * make recorders.
 *
 * @example
 * await runControllers(ctx, [newReplicaSetController, newDeploymentController], lead.signal);
 */
export async function runControllers(
  ctx: ControllerContext,
  constructors: readonly ControllerConstructor[],
  signal: AbortSignal,
  opts: RunControllersOptions = {},
): Promise<void> {
  const controllers = constructors.map((make) => {
    if (!ctx.newRecorder) return make(ctx);
    // Controllers name themselves, so their recorder is made on first use, once the name is known.
    let source = 'kube-controller-manager';
    const newRecorder = ctx.newRecorder;
    let inner: EventRecorder | undefined;
    const recorder: EventRecorder = {
      event: (obj, type, reason, message) => {
        inner ??= newRecorder(source);
        inner.event(obj, type, reason, message);
      },
      flush: () => inner?.flush() ?? Promise.resolve(),
    };
    const c = make({ ...ctx, recorder });
    source = opts.eventSource?.(c.name) ?? (c.name.endsWith('-controller') ? c.name : `${c.name}-controller`);
    return c;
  });
  ctx.informers.start(signal);
  await Promise.all(
    controllers.map(async (c) => {
      ctx.logger.info({ controller: c.name }, 'starting controller');
      try {
        await c.run(signal);
      } catch (err) {
        ctx.logger.error({ err, controller: c.name }, 'controller stopped with an error');
      }
    }),
  );
}

/** A positive integer setting, or `fallback` when unset; throws with the variable's name when malformed. */
export function intSetting(settings: ControllerContext['settings'], key: string, fallback: number): number {
  const raw = settings[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${key} must be a non-negative number, got "${raw}"`);
  return n;
}
