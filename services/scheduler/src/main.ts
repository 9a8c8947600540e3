/**
 * kube-scheduler's counterpart. Replicas elect one active scheduler through the `kube-scheduler` lease; each
 * leadership term runs a {@link Scheduler} over fresh informers, with a client whose writes carry the term's
 * fencing token, records events as `default-scheduler`, and mirrors the lease as a Lease object in kube-system.
 *
 * Settings: KUBELAB_SCHEDULER_PERCENTAGE_OF_NODES_TO_SCORE (0 = adaptive, the default),
 * KUBELAB_SCHEDULER_MAX_BINDS_IN_FLIGHT (default 500).
 */
import { intSetting, openTerm } from '@kubelab/controller-kit';
import { LeaseDefaults } from '@kubelab/lease';
import { serviceMain } from '@kubelab/runtime';
import { DEFAULT_SCHEDULER_NAME } from './profile.js';
import { Scheduler } from './scheduler.js';

await serviceMain('scheduler', process.env, {
  start: async () => ({ ready: () => true, stop: async () => {} }),
  election: {
    leaseName: 'kube-scheduler',
    onLeading: (lead, svc) => {
      svc.logger.info({ token: lead.token }, 'active scheduler');
      const term = openTerm(
        {
          bus: svc.bus,
          clock: svc.clock,
          rng: svc.rng,
          logger: svc.logger,
          token: svc.env.token,
          leaseName: 'kube-scheduler',
          identity: svc.env.id,
          leaseDurationMs: svc.env.lease.leaseDurationMs ?? LeaseDefaults.leaseDurationMs,
          component: DEFAULT_SCHEDULER_NAME,
          settings: process.env,
        },
        lead,
      );
      const scheduler = new Scheduler({
        ...term,
        percentageOfNodesToScore: intSetting(
          term.settings,
          'KUBELAB_SCHEDULER_PERCENTAGE_OF_NODES_TO_SCORE',
          0,
        ),
        maxBindsInFlight: intSetting(term.settings, 'KUBELAB_SCHEDULER_MAX_BINDS_IN_FLIGHT', 500),
      });
      scheduler.run(term.signal).then(
        () => svc.logger.info(scheduler.stats, 'scheduling stopped (term over)'),
        (err: unknown) => svc.logger.error({ err }, 'scheduler stopped with an error'),
      );
    },
  },
});
