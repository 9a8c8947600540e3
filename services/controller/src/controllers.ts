/**
 * Every controller the manager runs, in start order (kube-controller-manager's `NewControllerDescriptors`). Each
 * entry is a {@link ControllerConstructor} exported by its own folder.
 */
import type { ControllerConstructor } from '@kubelab/controller-kit';

export const CONTROLLERS: readonly ControllerConstructor[] = [];
