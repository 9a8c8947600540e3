/**
 * kube-controller-manager's counterpart. Replicas elect one active manager through the `kube-controller-manager`
 * lease; each leadership term runs every controller of {@link CONTROLLERS} over fresh informers, with a client
 * whose writes carry the term's fencing token, and mirrors the lease as a Lease object in kube-system.
 */
import { openTerm, runControllers } from '@kubelab/controller-kit';
import { LeaseDefaults } from '@kubelab/lease';
import { serviceMain } from '@kubelab/runtime';
import { CONTROLLERS, eventSourceOf } from './controllers.js';

await serviceMain('controller', process.env, {
  start: async () => ({ ready: () => true, stop: async () => {} }),
  election: {
    leaseName: 'kube-controller-manager',
    onLeading: (lead, svc) => {
      svc.logger.info({ token: lead.token, controllers: CONTROLLERS.length }, 'active controller manager');
      const term = openTerm(
        {
          bus: svc.bus,
          clock: svc.clock,
          rng: svc.rng,
          logger: svc.logger,
          token: svc.env.token,
          leaseName: 'kube-controller-manager',
          identity: svc.env.id,
          leaseDurationMs: svc.env.lease.leaseDurationMs ?? LeaseDefaults.leaseDurationMs,
          component: 'kube-controller-manager',
          settings: process.env,
        },
        lead,
      );
      void runControllers(term, CONTROLLERS, term.signal, { eventSource: eventSourceOf });
    },
  },
});
