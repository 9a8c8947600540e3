/**
 * Defaults of the non-workload kinds: Service (SetDefaults_Service plus the single-stack IP family fields
 * the Service REST layer fills in), Namespace (PrepareForCreate), Secret, Node, Endpoints, EndpointSlice and
 * HorizontalPodAutoscaler (v2 and v1). Pure: each returns a defaulted copy.
 */
import type {
  EndpointSlice,
  Endpoints,
  HPAScalingRules,
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerV1,
  Namespace,
  Node,
  Secret,
  Service,
} from '../types/cluster.js';

/** The ClientIP session affinity timeout default (3 hours). */
export const DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS = 10800;

/**
 * SetDefaults_Service: type ClusterIP, sessionAffinity None, port protocol TCP and targetPort = port,
 * externalTrafficPolicy Cluster for NodePort/LoadBalancer (or with external IPs), internalTrafficPolicy
 * Cluster, allocateLoadBalancerNodePorts for LoadBalancer; then clusterIP/clusterIPs kept in step and, for
 * all but ExternalName, `ipFamilyPolicy: SingleStack` and `ipFamilies: [IPv4]`. The IPs themselves come from
 * the server's allocators.
 */
export function defaultService(svc: Service): Service {
  const out = structuredClone(svc);
  const spec = out.spec ?? {};
  spec.sessionAffinity = spec.sessionAffinity || 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (
    spec.sessionAffinity === 'ClientIP' &&
    spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined
  ) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS } };
  }
  spec.type = spec.type || 'ClusterIP';
  if (spec.ports) {
    spec.ports = spec.ports.map((p) => ({
      ...p,
      protocol: p.protocol || 'TCP',
      targetPort:
        p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '' ? p.port : p.targetPort,
    }));
  }
  const external =
    spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (spec.externalIPs ?? []).length > 0;
  if (external && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined && spec.type !== 'ExternalName')
    spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) {
    spec.allocateLoadBalancerNodePorts = true;
  }
  if (spec.clusterIP && (spec.clusterIPs ?? []).length === 0) spec.clusterIPs = [spec.clusterIP];
  else if (!spec.clusterIP && (spec.clusterIPs ?? []).length > 0)
    spec.clusterIP = spec.clusterIPs?.[0] as string;
  if (spec.type !== 'ExternalName') {
    spec.ipFamilyPolicy = spec.ipFamilyPolicy ?? 'SingleStack';
    spec.ipFamilies = spec.ipFamilies ?? ['IPv4'];
  }
  out.spec = spec;
  out.status = out.status ?? { loadBalancer: {} };
  return out;
}

/** True when a Service needs a cluster IP from the allocator (not headless, not ExternalName, none given). */
export function needsClusterIP(svc: Service): boolean {
  return svc.spec?.type !== 'ExternalName' && !svc.spec?.clusterIP;
}

/** True when a Service's ports need node ports (NodePort, or LoadBalancer allocating node ports). */
export function needsNodePorts(svc: Service): boolean {
  const t = svc.spec?.type;
  return t === 'NodePort' || (t === 'LoadBalancer' && svc.spec?.allocateLoadBalancerNodePorts !== false);
}

/**
 * The Service REST layer's `patchAllocatedValues`: an update that omits the cluster IP, IP families or node
 * ports keeps the ones already allocated (so `kubectl apply` of a manifest without clusterIP works).
 */
export function carryOverServiceAllocations(newSvc: Service, oldSvc: Service): Service {
  const out = structuredClone(newSvc);
  const ns = out.spec ?? {};
  const os = oldSvc.spec ?? {};
  if (ns.type !== 'ExternalName' && os.type !== 'ExternalName') {
    if (!ns.clusterIP && (ns.clusterIPs ?? []).length === 0 && os.clusterIP) {
      ns.clusterIP = os.clusterIP;
      ns.clusterIPs = [...(os.clusterIPs ?? [os.clusterIP])];
    }
    if (ns.ipFamilies === undefined && os.ipFamilies) ns.ipFamilies = [...os.ipFamilies];
    if (ns.ipFamilyPolicy === undefined && os.ipFamilyPolicy) ns.ipFamilyPolicy = os.ipFamilyPolicy;
  }
  if (needsNodePorts(out) && ns.ports) {
    ns.ports = ns.ports.map((p) => {
      if (p.nodePort) return p;
      const old = (os.ports ?? []).find(
        (o) => o.nodePort && o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'),
      );
      return old?.nodePort ? { ...p, nodePort: old.nodePort } : p;
    });
  }
  if (ns.healthCheckNodePort === undefined && os.healthCheckNodePort !== undefined) {
    ns.healthCheckNodePort = os.healthCheckNodePort;
  }
  out.spec = ns;
  return out;
}

/**
 * Namespace on create: the `kubernetes` finalizer, phase Active, and the `kubernetes.io/metadata.name` label
 * (NamespaceDefaultLabelName).
 */
export function defaultNamespace(ns: Namespace): Namespace {
  const out = structuredClone(ns);
  const name = out.metadata.name ?? '';
  out.metadata = {
    ...out.metadata,
    labels: { ...(out.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name },
  };
  out.spec = { ...(out.spec ?? {}), finalizers: out.spec?.finalizers ?? ['kubernetes'] };
  out.status = { ...(out.status ?? {}), phase: out.status?.phase || 'Active' };
  return out;
}

function toBase64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** Secret: type Opaque, and the write-only `stringData` merged into `data` (base64), then dropped. */
export function defaultSecret(secret: Secret): Secret {
  const out = structuredClone(secret);
  out.type = out.type || 'Opaque';
  if (out.stringData) {
    const data = { ...(out.data ?? {}) };
    for (const [k, v] of Object.entries(out.stringData)) data[k] = toBase64(v);
    out.data = data;
    delete out.stringData;
  }
  return out;
}

/** SetDefaults_NodeStatus: allocatable defaults to capacity. */
export function defaultNode(node: Node): Node {
  const out = structuredClone(node);
  if (out.status?.capacity && !out.status.allocatable) out.status.allocatable = { ...out.status.capacity };
  return out;
}

/** Endpoints: port protocol TCP. */
export function defaultEndpoints(ep: Endpoints): Endpoints {
  const out = structuredClone(ep);
  if (out.subsets) {
    out.subsets = out.subsets.map((s) => ({
      ...s,
      ...(s.ports ? { ports: s.ports.map((p) => ({ ...p, protocol: p.protocol || 'TCP' })) } : {}),
    }));
  }
  return out;
}

/** EndpointSlice: port protocol TCP and name `''`. */
export function defaultEndpointSlice(slice: EndpointSlice): EndpointSlice {
  const out = structuredClone(slice);
  if (out.ports)
    out.ports = out.ports.map((p) => ({ ...p, name: p.name ?? '', protocol: p.protocol || 'TCP' }));
  return out;
}

/** The HPA behavior defaults (`GenerateHPAScaleUpRules`/`GenerateHPAScaleDownRules`). */
export const DEFAULT_HPA_SCALE_UP: Readonly<HPAScalingRules> = Object.freeze({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
});
export const DEFAULT_HPA_SCALE_DOWN: Readonly<HPAScalingRules> = Object.freeze({
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
});

function fillRules(rules: HPAScalingRules | undefined, defaults: Readonly<HPAScalingRules>): HPAScalingRules {
  const out: HPAScalingRules = structuredClone(defaults) as HPAScalingRules;
  if (rules?.selectPolicy !== undefined) out.selectPolicy = rules.selectPolicy;
  if (rules?.stabilizationWindowSeconds !== undefined)
    out.stabilizationWindowSeconds = rules.stabilizationWindowSeconds;
  if (rules?.policies !== undefined) out.policies = structuredClone(rules.policies);
  if (rules?.tolerance !== undefined) out.tolerance = rules.tolerance;
  return out;
}

/**
 * autoscaling/v2 SetDefaults_HorizontalPodAutoscaler: minReplicas 1, a CPU 80% utilization metric when none
 * is given, and — only when `behavior` is present — its missing scale-up/scale-down rules.
 */
export function defaultHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): HorizontalPodAutoscaler {
  const out = structuredClone(hpa);
  const spec = out.spec;
  spec.minReplicas = spec.minReplicas ?? 1;
  if (!spec.metrics || spec.metrics.length === 0) {
    spec.metrics = [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ];
  }
  if (spec.behavior) {
    spec.behavior = {
      scaleUp: fillRules(spec.behavior.scaleUp, DEFAULT_HPA_SCALE_UP),
      scaleDown: fillRules(spec.behavior.scaleDown, DEFAULT_HPA_SCALE_DOWN),
    };
  }
  return out;
}

/** autoscaling/v1 SetDefaults_HorizontalPodAutoscaler: minReplicas 1. */
export function defaultHorizontalPodAutoscalerV1(hpa: HorizontalPodAutoscalerV1): HorizontalPodAutoscalerV1 {
  const out = structuredClone(hpa);
  out.spec.minReplicas = out.spec.minReplicas ?? 1;
  return out;
}
