/** The HorizontalPodAutoscaler controller (autoscaling/v2 cpu and memory resource metrics). */
export * from './behavior.js';
export {
  CPU_METRIC_NAME,
  HorizontalController,
  newHorizontalController,
  targetResource,
} from './horizontal.js';
export * from './replica-calculator.js';
export * from './metrics.js';
export { type Conditions, type HpaOutcome, computeHpaStatus, setCondition } from './status.js';
export {
  type ScalableResource,
  type UsageSample,
  USAGE_ANNOTATION,
  type UsageSource,
  annotationUsageSource,
  podSample,
} from './usage.js';
