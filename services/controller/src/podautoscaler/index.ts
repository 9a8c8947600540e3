/** The HorizontalPodAutoscaler controller (autoscaling/v2, cpu utilization). */
export * from './behavior.js';
export {
  CPU_METRIC_NAME,
  HorizontalController,
  newHorizontalController,
  targetResource,
} from './horizontal.js';
export * from './replica-calculator.js';
export { type Conditions, setCondition } from './status.js';
export {
  type CpuSample,
  USAGE_ANNOTATION,
  type UsageSource,
  annotationUsageSource,
  podSample,
} from './usage.js';
