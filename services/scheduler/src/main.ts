/**
 * kube-scheduler's counterpart. Replicas elect one active scheduler through the `kube-scheduler` lease; the
 * scheduling loop itself arrives with the control-loops issue and will run inside `onLeading`.
 */
import { serviceMain } from '@kubelab/runtime';

await serviceMain('scheduler', process.env, {
  start: async () => ({ ready: () => true, stop: async () => {} }),
  election: {
    leaseName: 'kube-scheduler',
    onLeading: (lead, ctx) => {
      ctx.logger.info({ token: lead.token }, 'active scheduler (no scheduling loop yet)');
    },
  },
});
