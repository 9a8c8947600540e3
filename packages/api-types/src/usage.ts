/**
 * kubelab's stand-in for metrics.k8s.io: the kubelet publishes each running pod's emulated usage in this pod
 * annotation, and the HorizontalPodAutoscaler reads it. JSON:
 * `{"cpuMilli":250,"memoryBytes":4194304,"containers":{"app":{"cpuMilli":250,"memoryBytes":4194304}},
 * "timestamp":"2026-…Z","windowSeconds":15}`.
 */
export const USAGE_ANNOTATION = 'kubelab.io/usage';
