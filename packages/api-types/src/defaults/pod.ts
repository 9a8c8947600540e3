import type {
  Container,
  HTTPGetAction,
  Pod,
  PodSpec,
  PodTemplateSpec,
  Probe,
  Toleration,
  Volume,
} from '../types/pod.js';
/**
 * Pod defaults, mirroring `pkg/apis/core/v1/defaults.go` (SetDefaults_PodSpec, _Container, _Probe,
 * _HTTPGetAction, _Volume, …) plus what the admission chain adds to Pods only (ServiceAccount, Priority,
 * DefaultTolerationSeconds) and the status the Pod strategy sets on create.
 *
 * Every function is pure: it returns a defaulted copy and never touches its argument.
 */
import { VOLUME_SOURCES } from '../validation/pod.js';

/** The tolerations DefaultTolerationSeconds adds (300 s for not-ready and unreachable nodes). */
export const DEFAULT_NOT_READY_TOLERATION_SECONDS = 300;
export const DEFAULT_UNREACHABLE_TOLERATION_SECONDS = 300;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_RE = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`,
);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[A-Fa-f0-9]{32,}$/;

/**
 * The tag of an image reference as `parsers.ParseImageName` reports it: the explicit tag, `latest` when
 * neither tag nor digest is given, `''` for a digest-only reference, or undefined when the reference does
 * not parse.
 */
export function imageTag(image: string): string | undefined {
  let name = image;
  let digest: string | undefined;
  const at = image.indexOf('@');
  if (at >= 0) {
    digest = image.slice(at + 1);
    name = image.slice(0, at);
    if (!DIGEST_RE.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!TAG_RE.test(tag)) return undefined;
  }
  const parts = name.split('/');
  const first = parts[0] ?? '';
  const hasDomain =
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  if (hasDomain && !DOMAIN_RE.test(first)) return undefined;
  const path = hasDomain ? parts.slice(1) : parts;
  if (path.length === 0 || !path.every((c) => PATH_COMPONENT_RE.test(c))) return undefined;
  if (tag === undefined && digest === undefined) return 'latest';
  return tag ?? '';
}

/** The default pull policy: Always for `:latest` (explicit or implied), IfNotPresent otherwise. */
export function defaultPullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  return imageTag(image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHTTPGet(h: HTTPGetAction): HTTPGetAction {
  return { ...h, path: h.path || '/', scheme: h.scheme || 'HTTP' };
}

/** SetDefaults_Probe plus its HTTPGetAction. */
export function defaultProbe(p: Probe): Probe {
  const out: Probe = {
    ...p,
    timeoutSeconds: p.timeoutSeconds || 1,
    periodSeconds: p.periodSeconds || 10,
    successThreshold: p.successThreshold || 1,
    failureThreshold: p.failureThreshold || 3,
  };
  if (p.httpGet) out.httpGet = defaultHTTPGet(p.httpGet);
  return out;
}

/** SetDefaults_Container and the defaults of what a container holds (ports, probes, hooks, env). */
export function defaultContainer(c: Container): Container {
  const out: Container = {
    ...c,
    resources: c.resources ?? {},
    terminationMessagePath: c.terminationMessagePath || '/dev/termination-log',
    terminationMessagePolicy: c.terminationMessagePolicy || 'File',
    imagePullPolicy: c.imagePullPolicy || defaultPullPolicy(c.image),
  };
  if (c.ports) out.ports = c.ports.map((p) => ({ ...p, protocol: p.protocol || 'TCP' }));
  if (c.livenessProbe) out.livenessProbe = defaultProbe(c.livenessProbe);
  if (c.readinessProbe) out.readinessProbe = defaultProbe(c.readinessProbe);
  if (c.startupProbe) out.startupProbe = defaultProbe(c.startupProbe);
  if (c.lifecycle) {
    const lc = { ...c.lifecycle };
    if (lc.postStart?.httpGet)
      lc.postStart = { ...lc.postStart, httpGet: defaultHTTPGet(lc.postStart.httpGet) };
    if (lc.preStop?.httpGet) lc.preStop = { ...lc.preStop, httpGet: defaultHTTPGet(lc.preStop.httpGet) };
    out.lifecycle = lc;
  }
  if (c.env) {
    out.env = c.env.map((e) =>
      e.valueFrom?.fieldRef
        ? {
            ...e,
            valueFrom: {
              ...e.valueFrom,
              fieldRef: { ...e.valueFrom.fieldRef, apiVersion: e.valueFrom.fieldRef.apiVersion || 'v1' },
            },
          }
        : e,
    );
  }
  return out;
}

/** SetDefaults_Volume (no source → emptyDir) and the 0644 default modes of file-projecting sources. */
export function defaultVolume(v: Volume): Volume {
  const out: Volume = { ...v };
  if (!VOLUME_SOURCES.some((k) => v[k] !== undefined && v[k] !== null)) out.emptyDir = {};
  if (v.secret) out.secret = { ...v.secret, defaultMode: v.secret.defaultMode ?? 420 };
  if (v.configMap) out.configMap = { ...v.configMap, defaultMode: v.configMap.defaultMode ?? 420 };
  if (v.projected) out.projected = { ...v.projected, defaultMode: v.projected.defaultMode ?? 420 };
  if (v.downwardAPI) out.downwardAPI = { ...v.downwardAPI, defaultMode: v.downwardAPI.defaultMode ?? 420 };
  if (v.hostPath) out.hostPath = { ...v.hostPath, type: v.hostPath.type ?? '' };
  return out;
}

/** SetDefaults_PodSpec with its containers and volumes: what every pod template gets. */
export function defaultPodSpec(spec: PodSpec): PodSpec {
  const out: PodSpec = {
    ...spec,
    containers: (spec.containers ?? []).map(defaultContainer),
    restartPolicy: spec.restartPolicy || 'Always',
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
    dnsPolicy: spec.dnsPolicy || 'ClusterFirst',
    securityContext: spec.securityContext ?? {},
    schedulerName: spec.schedulerName || 'default-scheduler',
  };
  if (spec.initContainers) out.initContainers = spec.initContainers.map(defaultContainer);
  if (spec.volumes) out.volumes = spec.volumes.map(defaultVolume);
  if (spec.hostNetwork) {
    const hostPorts = (c: Container): Container =>
      c.ports ? { ...c, ports: c.ports.map((p) => ({ ...p, hostPort: p.hostPort || p.containerPort })) } : c;
    out.containers = out.containers.map(hostPorts);
    if (out.initContainers) out.initContainers = out.initContainers.map(hostPorts);
  }
  return out;
}

/** Defaults of a pod template inside a workload: the PodSpec defaults only (no admission). */
export function defaultPodTemplate(t: PodTemplateSpec | undefined): PodTemplateSpec {
  return { ...(t ?? {}), spec: defaultPodSpec(t?.spec ?? { containers: [] }) };
}

function requestsFromLimits(c: Container): Container {
  const limits = c.resources?.limits;
  if (!limits) return c;
  return { ...c, resources: { ...c.resources, requests: { ...limits, ...(c.resources?.requests ?? {}) } } };
}

const PRIORITY_CLASSES: Record<string, number> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};

function withDefaultTolerations(tolerations: Toleration[] | undefined): Toleration[] | undefined {
  const out = [...(tolerations ?? [])];
  const tolerates = (key: string): boolean =>
    out.some(
      (t) =>
        (t.key === key || (!t.key && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'),
    );
  const add: Toleration[] = [];
  if (!tolerates('node.kubernetes.io/not-ready')) {
    add.push({
      key: 'node.kubernetes.io/not-ready',
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: DEFAULT_NOT_READY_TOLERATION_SECONDS,
    });
  }
  if (!tolerates('node.kubernetes.io/unreachable')) {
    add.push({
      key: 'node.kubernetes.io/unreachable',
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: DEFAULT_UNREACHABLE_TOLERATION_SECONDS,
    });
  }
  return [...out, ...add];
}

/** The QoS class of a (defaulted) pod: Guaranteed, Burstable or BestEffort (`qos.GetPodQOS`). */
export function computeQOSClass(spec: PodSpec): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const all = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    const names = new Set(
      [...Object.keys(req), ...Object.keys(lim)].filter((n) => n === 'cpu' || n === 'memory'),
    );
    if (names.size > 0) any = true;
    for (const n of ['cpu', 'memory']) {
      if (lim[n] === undefined || (req[n] !== undefined && req[n] !== lim[n])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * Everything a Pod gets on create: PodSpec defaults, SetDefaults_Pod (requests from limits,
 * enableServiceLinks), ServiceAccount admission (`default`), Priority admission (priority 0,
 * PreemptLowerPriority), DefaultTolerationSeconds, and the initial status (Pending plus QoS class) unless one
 * is already set.
 *
 * @example
 * defaultPod({metadata:{name:'a'}, spec:{containers:[{name:'a', image:'nginx'}]}}).spec.containers[0].imagePullPolicy; // 'Always'
 */
export function defaultPod(pod: Pod): Pod {
  const out = structuredClone(pod);
  const base = out.spec ?? { containers: [] };
  const spec: PodSpec = defaultPodSpec({
    ...base,
    containers: (base.containers ?? []).map(requestsFromLimits),
    ...(base.initContainers ? { initContainers: base.initContainers.map(requestsFromLimits) } : {}),
  });
  spec.enableServiceLinks = spec.enableServiceLinks ?? true;
  const sa = spec.serviceAccountName || spec.serviceAccount || 'default';
  spec.serviceAccountName = sa;
  spec.serviceAccount = sa;
  spec.priority = spec.priority ?? PRIORITY_CLASSES[spec.priorityClassName ?? ''] ?? 0;
  spec.preemptionPolicy = spec.preemptionPolicy ?? 'PreemptLowerPriority';
  const tolerations = withDefaultTolerations(spec.tolerations);
  if (tolerations) spec.tolerations = tolerations;
  out.spec = spec;
  if (out.status === undefined || out.status === null || Object.keys(out.status).length === 0) {
    out.status = { phase: 'Pending', qosClass: computeQOSClass(spec) };
  }
  return out;
}
