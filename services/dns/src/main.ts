/** The cluster DNS. For now: connects, answers health, stops cleanly. */
import { serviceMain } from '@kubelab/runtime';

await serviceMain('dns', process.env, {
  start: async () => ({ ready: () => true, stop: async () => {} }),
});
