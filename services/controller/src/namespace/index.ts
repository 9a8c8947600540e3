/** The namespace controller: empties a deleted namespace, then finalizes it. */
export {
  KUBERNETES_FINALIZER,
  NAMESPACED_RESOURCES,
  NamespaceController,
  finalizedSpec,
  holdsKubernetesFinalizer,
  newNamespaceController,
} from './namespace-controller.js';
