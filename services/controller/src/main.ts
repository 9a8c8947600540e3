/**
 * kube-controller-manager's counterpart. Replicas elect one active manager through the
 * `kube-controller-manager` lease; the controllers arrive with the control-loops issue and will run inside
 * `onLeading`.
 */
import { serviceMain } from '@kubelab/runtime';

await serviceMain('controller', process.env, {
  start: async () => ({ ready: () => true, stop: async () => {} }),
  election: {
    leaseName: 'kube-controller-manager',
    onLeading: (lead, ctx) => {
      ctx.logger.info({ token: lead.token }, 'active controller manager (no controllers yet)');
    },
  },
});
