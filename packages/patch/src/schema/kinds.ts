/**
 * The patch schemas of the built-in kinds kubelab serves, transcribed from the `patchStrategy` and
 * `patchMergeKey` struct tags of `k8s.io/api` (v0.32). Fields without a tag are replaced as a whole; a few of
 * them are listed as `atomic` to record that this is deliberate (tolerations and taints carry no list-level
 * merge key, so Kubernetes replaces them).
 */

import {
  EMPTY_SCHEMA_NODE,
  type KindSchema,
  type SchemaTable,
  atomic,
  compileSchema,
  merge,
  mergeRetainKeys,
  nest,
  retainKeys,
} from './schema.js';

/** `metav1.ObjectMeta`. */
export const objectMetaTable: SchemaTable = {
  finalizers: merge(),
  ownerReferences: merge('uid'),
  managedFields: atomic,
};

/** `core/v1.Container` (and `EphemeralContainerCommon`, which has the same tags). */
const containerTable: SchemaTable = {
  ports: merge('containerPort'),
  env: merge('name'),
  envFrom: atomic,
  volumeMounts: merge('mountPath'),
  volumeDevices: merge('devicePath'),
  resizePolicy: atomic,
};

/** `core/v1.PodSpec`. */
export const podSpecTable: SchemaTable = {
  volumes: mergeRetainKeys('name'),
  initContainers: merge('name'),
  containers: merge('name'),
  ephemeralContainers: merge('name'),
  ...nest('initContainers[]', containerTable),
  ...nest('containers[]', containerTable),
  ...nest('ephemeralContainers[]', containerTable),
  imagePullSecrets: merge('name'),
  hostAliases: merge('ip'),
  tolerations: atomic,
  topologySpreadConstraints: merge('topologyKey'),
  resourceClaims: mergeRetainKeys('name'),
  schedulingGates: merge('name'),
  readinessGates: atomic,
};

/** `core/v1.PodStatus`. */
const podStatusTable: SchemaTable = {
  conditions: merge('type'),
  podIPs: merge('ip'),
  hostIPs: merge('ip'),
  initContainerStatuses: atomic,
  containerStatuses: atomic,
  ephemeralContainerStatuses: atomic,
  resourceClaimStatuses: mergeRetainKeys('name'),
};

/** `core/v1.PodTemplateSpec`. */
const podTemplateSpecTable: SchemaTable = {
  ...nest('metadata', objectMetaTable),
  ...nest('spec', podSpecTable),
};

/** `status.conditions` merged by `type`, shared by most workload and core kinds. */
const statusConditions: SchemaTable = { 'status.conditions': merge('type') };

/** A workload whose pods come from `spec.template`. */
const templated: SchemaTable = { ...nest('spec.template', podTemplateSpecTable), ...statusConditions };

/** Per kind, the table below `metadata` (which every kind gets). Keys are `group/Kind`, core group empty. */
const kindTables: Readonly<Record<string, SchemaTable>> = {
  '/Pod': { ...nest('spec', podSpecTable), ...nest('status', podStatusTable) },
  '/PodTemplate': nest('template', podTemplateSpecTable),
  '/ReplicationController': templated,
  '/Service': { 'spec.ports': merge('port'), ...statusConditions },
  '/Endpoints': { subsets: atomic },
  '/Node': {
    'spec.podCIDRs': merge(),
    'spec.taints': atomic,
    'status.addresses': merge('type'),
    ...statusConditions,
  },
  '/Namespace': statusConditions,
  '/ServiceAccount': { secrets: merge('name') },
  '/PersistentVolumeClaim': statusConditions,
  '/PersistentVolume': {},
  '/ConfigMap': {},
  '/Secret': {},
  '/Event': {},
  '/LimitRange': {},
  '/ResourceQuota': {},
  '/ComponentStatus': { conditions: merge('type') },
  'apps/Deployment': { 'spec.strategy': retainKeys, ...templated },
  'apps/ReplicaSet': templated,
  'apps/StatefulSet': {
    ...templated,
    'spec.volumeClaimTemplates': atomic,
    ...nest('spec.volumeClaimTemplates[].metadata', objectMetaTable),
  },
  'apps/DaemonSet': templated,
  'apps/ControllerRevision': {},
  'batch/Job': templated,
  'batch/CronJob': {
    ...nest('spec.jobTemplate.metadata', objectMetaTable),
    ...nest('spec.jobTemplate.spec.template', podTemplateSpecTable),
    'status.active': atomic,
  },
  'autoscaling/HorizontalPodAutoscaler': {
    'spec.metrics': atomic,
    'status.currentMetrics': atomic,
    ...statusConditions,
  },
  'autoscaling/Scale': {},
  'policy/PodDisruptionBudget': statusConditions,
  'coordination.k8s.io/Lease': {},
  'discovery.k8s.io/EndpointSlice': { endpoints: atomic, ports: atomic },
  'networking.k8s.io/Ingress': {},
  'networking.k8s.io/IngressClass': {},
  'networking.k8s.io/NetworkPolicy': {},
  'events.k8s.io/Event': {},
  'rbac.authorization.k8s.io/Role': {},
  'rbac.authorization.k8s.io/ClusterRole': {},
  'rbac.authorization.k8s.io/RoleBinding': {},
  'rbac.authorization.k8s.io/ClusterRoleBinding': {},
  'storage.k8s.io/StorageClass': {},
  'scheduling.k8s.io/PriorityClass': {},
  'apiextensions.k8s.io/CustomResourceDefinition': {},
};

const metadataOnly = compileSchema(nest('metadata', objectMetaTable));

const compiled: ReadonlyMap<string, KindSchema> = new Map(
  Object.entries(kindTables).map(([key, table]) => {
    const slash = key.indexOf('/');
    const group = key.slice(0, slash);
    const kind = key.slice(slash + 1);
    const root = compileSchema(nest('metadata', objectMetaTable), table);
    return [key, Object.freeze({ group, kind, known: true, root })];
  }),
);

/** The `{group, kind}` pairs with a built-in schema (core group is `''`). */
export const KNOWN_KINDS: readonly { group: string; kind: string }[] = [...compiled.values()].map(
  ({ group, kind }) => ({ group, kind }),
);

/**
 * The patch schema of a kind. Unknown kinds (custom resources) get `known: false` and only the `metadata`
 * strategies (finalizers as a set, ownerReferences by uid); all their other lists are replaced, as JSON merge
 * patch would.
 *
 * @example
 * schemaFor('apps', 'Deployment').known; // => true
 * schemaFor('example.com', 'Widget').known; // => false
 */
export function schemaFor(group: string, kind: string): KindSchema {
  return compiled.get(`${group}/${kind}`) ?? { group, kind, known: false, root: metadataOnly };
}

/** A schema with no strategies at all: strategic merge patch with it equals JSON merge patch. */
export const EMPTY_SCHEMA: KindSchema = Object.freeze({
  group: '',
  kind: '',
  known: false,
  root: EMPTY_SCHEMA_NODE,
});
