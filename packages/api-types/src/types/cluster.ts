/**
 * The remaining kinds kubelab serves: Namespace, Node, Service, Endpoints, EndpointSlice, ConfigMap, Secret,
 * Event, ServiceAccount, Lease, HorizontalPodAutoscaler (v1 and v2) and Ingress.
 */
import type { Condition, IntOrString, KubeObject, ObjectReference, QuantityString, Time } from './meta.js';
import type { Protocol, ResourceList } from './pod.js';

export interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: 'Active' | 'Terminating' | string; conditions?: Condition[] };
}

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | string;
  timeAdded?: Time;
}

export interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
  providerID?: string;
  unschedulable?: boolean;
  taints?: Taint[];
  [extra: string]: unknown;
}

export interface NodeCondition extends Condition {
  type: 'Ready' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'NetworkUnavailable' | string;
}

export interface NodeAddress {
  type: 'Hostname' | 'InternalIP' | 'ExternalIP' | 'InternalDNS' | 'ExternalDNS' | string;
  address: string;
}

export interface NodeSystemInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  kubeProxyVersion?: string;
  operatingSystem: string;
  architecture: string;
}

export interface NodeStatus {
  capacity?: ResourceList;
  allocatable?: ResourceList;
  phase?: string;
  conditions?: NodeCondition[];
  addresses?: NodeAddress[];
  daemonEndpoints?: { kubeletEndpoint?: { Port: number } };
  nodeInfo?: NodeSystemInfo;
  images?: { names?: string[]; sizeBytes?: number }[];
  [extra: string]: unknown;
}

export interface Node extends KubeObject {
  spec?: NodeSpec;
  status?: NodeStatus;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

export interface ServicePort {
  name?: string;
  protocol?: Protocol | string;
  appProtocol?: string;
  port: number;
  targetPort?: IntOrString;
  nodePort?: number;
}

export interface ServiceSpec {
  ports?: ServicePort[];
  selector?: Record<string, string>;
  clusterIP?: string;
  clusterIPs?: string[];
  type?: ServiceType | string;
  externalIPs?: string[];
  sessionAffinity?: 'None' | 'ClientIP' | string;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  loadBalancerIP?: string;
  loadBalancerSourceRanges?: string[];
  externalName?: string;
  externalTrafficPolicy?: 'Cluster' | 'Local' | string;
  internalTrafficPolicy?: 'Cluster' | 'Local' | string;
  healthCheckNodePort?: number;
  publishNotReadyAddresses?: boolean;
  ipFamilies?: ('IPv4' | 'IPv6' | string)[];
  ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack' | string;
  allocateLoadBalancerNodePorts?: boolean;
  loadBalancerClass?: string;
  [extra: string]: unknown;
}

export interface Service extends KubeObject {
  spec: ServiceSpec;
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] }; conditions?: Condition[] };
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: Protocol | string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export interface Endpoints extends KubeObject {
  subsets?: EndpointSubset[];
}

export interface Endpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  targetRef?: ObjectReference;
  nodeName?: string;
  zone?: string;
}

/** discovery.k8s.io/v1 EndpointSlice (owned by the Service through the `kubernetes.io/service-name` label). */
export interface EndpointSlice extends KubeObject {
  addressType: 'IPv4' | 'IPv6' | 'FQDN' | string;
  endpoints: Endpoint[];
  ports?: { name?: string; protocol?: Protocol | string; port?: number; appProtocol?: string }[];
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

export interface Secret extends KubeObject {
  /** Base64-encoded values. */
  data?: Record<string, string>;
  /** Write-only plain values, merged into data by the server. */
  stringData?: Record<string, string>;
  type?: string;
  immutable?: boolean;
}

/** core/v1 Event (what `kubectl describe` lists and `kubectl get events` prints). */
export interface Event extends KubeObject {
  involvedObject: ObjectReference;
  reason?: string;
  message?: string;
  source?: { component?: string; host?: string };
  firstTimestamp?: Time | null;
  lastTimestamp?: Time | null;
  count?: number;
  type?: 'Normal' | 'Warning' | string;
  eventTime?: Time | null;
  series?: { count?: number; lastObservedTime?: Time };
  action?: string;
  related?: ObjectReference;
  reportingComponent?: string;
  reportingInstance?: string;
}

export interface ServiceAccount extends KubeObject {
  secrets?: ObjectReference[];
  imagePullSecrets?: { name?: string }[];
  automountServiceAccountToken?: boolean;
}

/** coordination.k8s.io/v1 Lease (node heartbeats, leader election). Times are MicroTime strings. */
export interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: Time;
    renewTime?: Time;
    leaseTransitions?: number;
    strategy?: string;
    preferredHolder?: string;
  };
}

export interface CrossVersionObjectReference {
  kind: string;
  name: string;
  apiVersion?: string;
}

export interface MetricTarget {
  type: 'Utilization' | 'Value' | 'AverageValue' | string;
  value?: QuantityString;
  averageValue?: QuantityString;
  averageUtilization?: number;
}

export interface MetricSpec {
  type: 'Resource' | 'Pods' | 'Object' | 'External' | 'ContainerResource' | string;
  resource?: { name: string; target: MetricTarget };
  containerResource?: { name: string; container: string; target: MetricTarget };
  pods?: unknown;
  object?: unknown;
  external?: unknown;
}

export interface HPAScalingPolicy {
  type: 'Pods' | 'Percent' | string;
  value: number;
  periodSeconds: number;
}

export interface HPAScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled' | string;
  policies?: HPAScalingPolicy[];
  tolerance?: QuantityString;
}

export interface HorizontalPodAutoscalerV2Spec {
  scaleTargetRef: CrossVersionObjectReference;
  minReplicas?: number;
  maxReplicas: number;
  metrics?: MetricSpec[];
  behavior?: { scaleUp?: HPAScalingRules; scaleDown?: HPAScalingRules };
}

export interface MetricStatus {
  type: string;
  resource?: { name: string; current: { averageUtilization?: number; averageValue?: QuantityString } };
  [extra: string]: unknown;
}

export interface HorizontalPodAutoscalerV2Status {
  observedGeneration?: number;
  lastScaleTime?: Time;
  currentReplicas?: number;
  desiredReplicas: number;
  currentMetrics?: MetricStatus[];
  conditions?: Condition[];
}

/** autoscaling/v2 HorizontalPodAutoscaler (the storage version). */
export interface HorizontalPodAutoscaler extends KubeObject {
  spec: HorizontalPodAutoscalerV2Spec;
  status?: HorizontalPodAutoscalerV2Status;
}

/** autoscaling/v1 HorizontalPodAutoscaler (what `kubectl autoscale` posts). */
export interface HorizontalPodAutoscalerV1 extends KubeObject {
  spec: {
    scaleTargetRef: CrossVersionObjectReference;
    minReplicas?: number;
    maxReplicas: number;
    targetCPUUtilizationPercentage?: number;
  };
  status?: {
    observedGeneration?: number;
    lastScaleTime?: Time;
    currentReplicas: number;
    desiredReplicas: number;
    currentCPUUtilizationPercentage?: number;
  };
}

export interface IngressBackend {
  service?: { name: string; port?: { name?: string; number?: number } };
  resource?: { apiGroup?: string; kind: string; name: string };
}

export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: { hosts?: string[]; secretName?: string }[];
    rules?: {
      host?: string;
      http?: { paths: { path?: string; pathType: string; backend: IngressBackend }[] };
    }[];
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}
