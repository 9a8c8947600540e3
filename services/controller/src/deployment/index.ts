/** The Deployment controller (kube-controller-manager's `deployment`). */
import type { Controller, ControllerContext } from '@kubelab/controller-kit';
import { DeploymentController } from './deployment-controller.js';

export type { DeploymentControllerConfig } from './deployment-controller.js';
export { DeploymentController } from './deployment-controller.js';
export * from './util.js';
export { Reasons } from './status.js';

/** The `deployment` controller. */
export function newDeploymentController(ctx: ControllerContext): Controller {
  return new DeploymentController({ ctx });
}
