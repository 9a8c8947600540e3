/**
 * The kubelet's event reasons (pkg/kubelet/events) and the recorder it writes them with. The recorder is
 * controller-kit's (aggregating repeats as client-go's correlator does); hollow nodes use {@link noEvents}.
 */
import type { EventRecorder } from '@kubelab/controller-kit';

export type { EventRecorder } from '@kubelab/controller-kit';

/** Reasons, as `kubectl describe` and `kubectl get events` show them. */
export const Reason = {
  Pulling: 'Pulling',
  Pulled: 'Pulled',
  Created: 'Created',
  Started: 'Started',
  Killing: 'Killing',
  Failed: 'Failed',
  BackOff: 'BackOff',
  Unhealthy: 'Unhealthy',
  ErrImageNeverPull: 'ErrImageNeverPull',
  InspectFailed: 'InspectFailed',
  FailedPostStartHook: 'FailedPostStartHook',
  FailedPreStopHook: 'FailedPreStopHook',
  FailedMount: 'FailedMount',
  DeadlineExceeded: 'DeadlineExceeded',
  NodeReady: 'NodeReady',
  Starting: 'Starting',
  RegisteredNode: 'RegisteredNode',
  NodeHasSufficientMemory: 'NodeHasSufficientMemory',
} as const;

/** A recorder that drops everything (hollow nodes: 30,000 pods would write 90,000 events). */
export const noEvents: EventRecorder = {
  event: () => {},
  flush: async () => {},
};
