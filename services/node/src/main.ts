/** The node agent (kubelet + kube-proxy emulation). For now: connects, answers health, stops cleanly. */
import { serviceMain } from '@kubelab/runtime';

await serviceMain('node', process.env, {
  start: async () => ({ ready: () => true, stop: async () => {} }),
});
