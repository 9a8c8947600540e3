/**
 * The protobuf schema: our hand-written proto subsets parsed once into a protobufjs Root, and the table of
 * apiVersion/kind pairs whose top-level message we know.
 */
import protobuf from 'protobufjs';
import { INTSTR_PROTO, META_V1_PROTO, RESOURCE_PROTO, RUNTIME_PROTO } from './proto/apimachinery.js';
import { CORE_V1_PROTO } from './proto/core-v1.js';
import {
  COORDINATION_V1_PROTO,
  DISCOVERY_V1_PROTO,
  NETWORKING_V1_PROTO,
  POLICY_V1_PROTO,
} from './proto/more.js';
import {
  APPS_V1_PROTO,
  AUTOSCALING_V1_PROTO,
  AUTOSCALING_V2_PROTO,
  BATCH_V1_PROTO,
} from './proto/workloads.js';

/** The proto sources, in the order they are parsed into one Root. */
export const PROTO_SOURCES: readonly string[] = [
  RUNTIME_PROTO,
  INTSTR_PROTO,
  RESOURCE_PROTO,
  META_V1_PROTO,
  CORE_V1_PROTO,
  APPS_V1_PROTO,
  BATCH_V1_PROTO,
  AUTOSCALING_V1_PROTO,
  AUTOSCALING_V2_PROTO,
  NETWORKING_V1_PROTO,
  COORDINATION_V1_PROTO,
  DISCOVERY_V1_PROTO,
  POLICY_V1_PROTO,
];

const RUNTIME = 'k8s.io.apimachinery.pkg.runtime';
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** Fully qualified names (with the leading dot protobufjs uses) of the messages with a custom JSON form. */
export const SPECIAL = {
  time: `.${META}.Time`,
  microTime: `.${META}.MicroTime`,
  fieldsV1: `.${META}.FieldsV1`,
  rawExtension: `.${RUNTIME}.RawExtension`,
  intOrString: '.k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  quantity: '.k8s.io.apimachinery.pkg.api.resource.Quantity',
} as const;

/** apiVersion → proto package → kinds decodable from protobuf. */
const KINDS: Readonly<Record<string, { pkg: string; kinds: readonly string[] }>> = {
  v1: {
    pkg: 'k8s.io.api.core.v1',
    kinds: [
      'Pod',
      'PodList',
      'PodTemplate',
      'Namespace',
      'NamespaceList',
      'ConfigMap',
      'ConfigMapList',
      'Secret',
      'SecretList',
      'Service',
      'ServiceList',
      'ServiceAccount',
      'PersistentVolumeClaim',
      'ReplicationController',
      'Endpoints',
      'Event',
      'Node',
      'Binding',
    ],
  },
  'apps/v1': {
    pkg: 'k8s.io.api.apps.v1',
    kinds: ['Deployment', 'DeploymentList', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ControllerRevision'],
  },
  'batch/v1': { pkg: 'k8s.io.api.batch.v1', kinds: ['Job', 'JobList', 'CronJob'] },
  'autoscaling/v1': { pkg: 'k8s.io.api.autoscaling.v1', kinds: ['HorizontalPodAutoscaler', 'Scale'] },
  'autoscaling/v2': { pkg: 'k8s.io.api.autoscaling.v2', kinds: ['HorizontalPodAutoscaler'] },
  'networking.k8s.io/v1': { pkg: 'k8s.io.api.networking.v1', kinds: ['Ingress'] },
  'coordination.k8s.io/v1': { pkg: 'k8s.io.api.coordination.v1', kinds: ['Lease'] },
  'discovery.k8s.io/v1': { pkg: 'k8s.io.api.discovery.v1', kinds: ['EndpointSlice'] },
  'policy/v1': { pkg: 'k8s.io.api.policy.v1', kinds: ['Eviction'] },
};

/** An apiVersion/kind pair. */
export interface GroupVersionKind {
  readonly apiVersion: string;
  readonly kind: string;
}

/** Every apiVersion/kind that {@link decodeKubernetesProtobuf} understands. */
export function supportedProtobufKinds(): GroupVersionKind[] {
  const versions = ['meta.k8s.io/v1', ...Object.keys(KINDS)];
  return [
    ...Object.entries(KINDS).flatMap(([apiVersion, { kinds }]) =>
      kinds.map((kind) => ({ apiVersion, kind })),
    ),
    ...versions.flatMap((apiVersion) => META_KINDS.map((kind) => ({ apiVersion, kind }))),
  ];
}

let root: protobuf.Root | undefined;

/** The parsed and resolved Root (built on first use). */
export function protoRoot(): protobuf.Root {
  if (!root) {
    const r = new protobuf.Root();
    for (const src of PROTO_SOURCES) protobuf.parse(src, r, { keepCase: true });
    r.resolveAll();
    root = r;
  }
  return root;
}

/** The runtime.Unknown envelope message. */
export function unknownType(): protobuf.Type {
  return protoRoot().lookupType(`${RUNTIME}.Unknown`);
}

/**
 * meta/v1 kinds registered in every group version: client-go typed clients send DeleteOptions bodies
 * (e.g. `kubectl drain` without eviction: `DELETE …/pods/x` with a protobuf v1 DeleteOptions).
 */
const META_KINDS: readonly string[] = ['DeleteOptions'];

/** The top-level message for apiVersion/kind, or undefined when unsupported. */
export function typeForKind(apiVersion: string, kind: string): protobuf.Type | undefined {
  if (META_KINDS.includes(kind) && (apiVersion === 'meta.k8s.io/v1' || Object.hasOwn(KINDS, apiVersion))) {
    return protoRoot().lookupType(`${META}.${kind}`);
  }
  const entry = Object.hasOwn(KINDS, apiVersion) ? KINDS[apiVersion] : undefined;
  if (!entry || !entry.kinds.includes(kind)) return undefined;
  return protoRoot().lookupType(`${entry.pkg}.${kind}`);
}

/** A field's JSON handling from our `(json)` option: "keep", "inline" or undefined. */
export function jsonOption(field: protobuf.Field): 'keep' | 'inline' | undefined {
  const v = field.options?.['(json)'];
  return v === 'keep' || v === 'inline' ? v : undefined;
}

/** The messages with a custom JSON form. */
export type Special = 'time' | 'microTime' | 'intOrString' | 'quantity' | 'rawExtension' | 'fieldsV1';

/** How one field is read and written (precomputed: protobufjs reflection getters are slow). */
export interface FieldPlan {
  readonly name: string;
  readonly shape: 'map' | 'repeated' | 'single';
  readonly json: 'keep' | 'inline' | undefined;
  /** The message type of the field (or of the map's values), when not a scalar. */
  readonly message: protobuf.Type | undefined;
  /** The scalar type name (or the map's value type) when `message` is undefined. */
  readonly scalar: string;
}

/** How one message is read and written. */
export interface MessagePlan {
  readonly name: string;
  readonly special: Special | undefined;
  readonly fields: readonly FieldPlan[];
}

const SPECIAL_BY_NAME: ReadonlyMap<string, Special> = new Map(
  Object.entries(SPECIAL).map(([k, v]) => [v, k as Special]),
);
const plans = new WeakMap<protobuf.Type, MessagePlan>();

/** The cached {@link MessagePlan} of `type`. */
export function planFor(type: protobuf.Type): MessagePlan {
  let plan = plans.get(type);
  if (!plan) {
    plan = {
      name: type.name,
      special: SPECIAL_BY_NAME.get(type.fullName),
      fields: type.fieldsArray.map((field) => {
        const rt = field.resolvedType;
        return {
          name: field.name,
          shape: field.map ? 'map' : field.repeated ? 'repeated' : 'single',
          json: jsonOption(field),
          message: rt instanceof protobuf.Type ? rt : undefined,
          scalar: field.type,
        };
      }),
    };
    plans.set(type, plan);
  }
  return plan;
}
