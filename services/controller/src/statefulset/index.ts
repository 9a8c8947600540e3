/** The StatefulSet controller: ordered pods with stable identities, rolling updates and ControllerRevisions. */
export { newStatefulSetController } from './controller.js';
export { POD_INDEX_LABEL, POD_NAME_LABEL, REVISION_LABEL } from './pods.js';
export { REVISION_HASH_LABEL } from './revisions.js';
