/** A {@link ControllerContext} over a {@link FakeApi}: real informers and work queues, an in-memory api. */
import { SharedInformerFactory } from '@kubelab/api-client';
import type { Clock, Rng } from '@kubelab/clock';
import { seededRng } from '@kubelab/clock';
import { silentLogger } from '@kubelab/telemetry';
import type { ControllerContext } from '../controller.js';
import { createEventRecorder } from '../events.js';
import { FakeApi } from './fake-api.js';

/**
 * @example
 * const { ctx, api } = fakeContext({ clock: new FakeClock() , seed: 1 });
 * api.seed(resources.replicasets, rs);
 * const c = newReplicaSetController(ctx);
 */
export function fakeContext(o: {
  clock: Clock;
  seed?: number;
  rng?: Rng;
  settings?: Record<string, string | undefined>;
}): { ctx: ControllerContext; api: FakeApi } {
  const rng = o.rng ?? seededRng(o.seed ?? 1);
  const api = new FakeApi({ clock: o.clock, rng });
  const logger = silentLogger();
  const informers = new SharedInformerFactory({ client: api, clock: o.clock, rng, logger });
  const newRecorder = (component: string) =>
    createEventRecorder({ client: api, clock: o.clock, logger, component });
  const recorder = newRecorder('test');
  return {
    ctx: {
      client: api,
      informers,
      clock: o.clock,
      rng,
      logger,
      recorder,
      newRecorder,
      settings: o.settings ?? {},
    },
    api,
  };
}
