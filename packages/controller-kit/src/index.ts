/**
 * @kubelab/controller-kit: what kubelab's control loops share (kube-controller-manager's and the scheduler's
 * common code): the {@link Controller} contract and {@link runControllers}, a leadership {@link openTerm} (fenced
 * client, informers, events, the mirrored Lease object), the keyed-queue wiring ({@link enqueueOnChange},
 * {@link runKeyedWorkers}), the {@link EventRecorder}, pod facts
 * (ready/available/active, requests, controller references) and Kubernetes time formats.
 * In-memory fakes for unit tests are in `@kubelab/controller-kit/testing`.
 */
export type {
  Controller,
  ControllerConstructor,
  ControllerContext,
  RunControllersOptions,
} from './controller.js';
export { intSetting, runControllers } from './controller.js';
export type { EventRecorder, EventRecorderConfig, EventType } from './events.js';
export { createEventRecorder, objectReference } from './events.js';
export type { KeyedWorkersConfig } from './keyed-queue.js';
export { enqueueOnChange, runKeyedWorkers } from './keyed-queue.js';
export type { LeaseMirrorConfig } from './lease-mirror.js';
export { mirrorLease, nextLeaseSpec } from './lease-mirror.js';
export type { PodRequests } from './pods.js';
export {
  getControllerOf,
  getPodCondition,
  isPodActive,
  isPodAvailable,
  isPodReady,
  isPodTerminal,
  newControllerRef,
  podRequests,
} from './pods.js';
export type { Term, TermConfig } from './term.js';
export { openTerm } from './term.js';
export { microTime, parseTime, rfc3339 } from './time.js';
