/**
 * Container environment resolution (kubelet `makeEnvironmentVariables`), pure: env in order with `$(VAR)`
 * expansion over the variables defined before, `valueFrom` (configMapKeyRef, secretKeyRef, fieldRef,
 * resourceFieldRef) and `envFrom`. ConfigMaps and Secrets are looked up in a snapshot the caller fetched
 * (see {@link referencedObjects}); a missing required one is a {@link ContainerConfigError}, which the
 * kubelet reports as the container's `CreateContainerConfigError`.
 */
import type { ConfigMap, Container, Pod, Secret, Service } from '@kubelab/api-types';
import { parseQuantity, quantityMilliValue, quantityValue } from '@kubelab/api-types';

/** Why a container's configuration cannot be built (message as the kubelet words it). */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
}

/** The ConfigMaps and Secrets (by name, in the pod's namespace) a resolution may read. */
export interface EnvSnapshot {
  readonly configMaps: ReadonlyMap<string, ConfigMap>;
  readonly secrets: ReadonlyMap<string, Secret>;
  /**
   * The Services that exist as the container starts: those of the pod's namespace and `default/kubernetes`
   * (see {@link serviceEnv}); absent means none.
   */
  readonly services?: readonly Service[];
}

/** The services whose variables every pod gets, from `default`, even with enableServiceLinks false. */
const MASTER_SERVICES = new Set(['kubernetes']);

/** `my-svc` → `MY_SVC` (kubelet `makeEnvVariableName`). */
function envName(s: string): string {
  return s.replaceAll('-', '_').toUpperCase();
}

function hasClusterIP(s: Service): boolean {
  const ip = s.spec.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None';
}

/**
 * The Service environment variables (kubelet `getServiceEnvVarMap` + `envvars.FromServices`): for each
 * service with a cluster IP, of the pod's namespace when `enableServiceLinks` (default true) and
 * `default/kubernetes` always: `<SVC>_SERVICE_HOST`, `<SVC>_SERVICE_PORT` (first port),
 * `<SVC>_SERVICE_PORT_<NAME>` (named ports) and the Docker link variables `<SVC>_PORT`,
 * `<SVC>_PORT_<port>_<PROTO>{,_PROTO,_PORT,_ADDR}`.
 *
 * @example
 * serviceEnv(pod, [redis]).get('REDIS_MASTER_SERVICE_HOST'); // '10.0.0.11'
 */
export function serviceEnv(pod: Pod, services: readonly Service[]): Map<string, string> {
  const ns = pod.metadata.namespace ?? 'default';
  const links = pod.spec.enableServiceLinks ?? true;
  const chosen = new Map<string, Service>();
  for (const svc of services) {
    if (!hasClusterIP(svc)) continue;
    const name = svc.metadata.name ?? '';
    if (svc.metadata.namespace === 'default' && MASTER_SERVICES.has(name)) {
      if (!chosen.has(name)) chosen.set(name, svc);
    } else if (svc.metadata.namespace === ns && links) {
      chosen.set(name, svc);
    }
  }
  const out = new Map<string, string>();
  for (const svc of [...chosen.values()].sort((a, b) =>
    (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  )) {
    const ports = svc.spec.ports ?? [];
    const first = ports[0];
    if (first === undefined) continue;
    const ip = svc.spec.clusterIP ?? '';
    const prefix = envName(svc.metadata.name ?? '');
    out.set(`${prefix}_SERVICE_HOST`, ip);
    out.set(`${prefix}_SERVICE_PORT`, String(first.port));
    for (const p of ports) if (p.name) out.set(`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
    ports.forEach((p, i) => {
      const proto = (p.protocol || 'TCP').toUpperCase();
      const url = `${proto.toLowerCase()}://${ip}:${p.port}`;
      if (i === 0) out.set(`${prefix}_PORT`, url);
      const portPrefix = `${prefix}_PORT_${p.port}_${proto}`;
      out.set(portPrefix, url);
      out.set(`${portPrefix}_PROTO`, proto.toLowerCase());
      out.set(`${portPrefix}_PORT`, String(p.port));
      out.set(`${portPrefix}_ADDR`, ip);
    });
  }
  return out;
}

/** What fieldRef/resourceFieldRef need beyond the pod object. */
export interface EnvContext {
  readonly podIP: string;
  readonly hostIP: string;
  /** Node allocatable, the value of a limit the container does not set. */
  readonly nodeAllocatable: { readonly cpu: string; readonly memory: string };
}

/** ConfigMap and Secret names the pod's containers, init containers and volumes refer to. */
export function referencedObjects(pod: Pod): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
    }
    for (const f of c.envFrom ?? []) {
      if (f.configMapRef?.name) configMaps.add(f.configMapRef.name);
      if (f.secretRef?.name) secrets.add(f.secretRef.name);
    }
  }
  for (const v of pod.spec.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    for (const src of (v.projected?.sources ?? []) as ProjectedSource[]) {
      if (src.configMap?.name) configMaps.add(src.configMap.name);
      if (src.secret?.name) secrets.add(src.secret.name);
    }
  }
  return { configMaps, secrets };
}

/** A projected volume source (only the parts the kubelet reads). */
export interface ProjectedSource {
  configMap?: { name?: string; items?: { key: string; path: string }[]; optional?: boolean };
  secret?: { name?: string; items?: { key: string; path: string }[]; optional?: boolean };
  downwardAPI?: { items?: DownwardItem[] };
  serviceAccountToken?: { path: string };
}

/** A downwardAPI volume item. */
export interface DownwardItem {
  path: string;
  fieldRef?: { fieldPath: string };
  resourceFieldRef?: { containerName?: string; resource: string; divisor?: string };
}

/** A Secret's value as text (data is base64; stringData is merged by the server but honoured here too). */
export function secretValue(s: Secret, key: string): string | undefined {
  const plain = s.stringData?.[key];
  if (plain !== undefined) return plain;
  const b64 = s.data?.[key];
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}

/** `$(VAR)` expansion (k8s `expansion.Expand`): `$$` escapes, unknown references stay as written. */
export function expand(input: string, vars: ReadonlyMap<string, string>): string {
  return input.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (name === undefined) return '$';
    return vars.get(name) ?? m;
  });
}

/** The value of a downward API field path, or an error for an unsupported one. */
export function fieldPathValue(pod: Pod, path: string, ctx: EnvContext): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) {
    const map = m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations;
    return map?.[m[2] as string] ?? '';
  }
  const kv = (map: Record<string, string> | undefined) =>
    Object.keys(map ?? {})
      .sort()
      .map((k) => `${k}="${map?.[k] ?? ''}"`)
      .join('\n');
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
      return kv(pod.metadata.labels);
    case 'metadata.annotations':
      return kv(pod.metadata.annotations);
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIP;
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
  }
}

/** A resourceFieldRef's value (limits default to node allocatable; cpu rounds up to the divisor). */
export function resourceFieldValue(
  pod: Pod,
  ref: { containerName?: string; resource: string; divisor?: string },
  self: string,
  ctx: EnvContext,
): string {
  const name = ref.containerName || self;
  const c = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((x) => x.name === name);
  if (c === undefined) throw new ContainerConfigError(`container ${name} not found`);
  const [kind, resource] = ref.resource.split('.') as [string, string | undefined];
  const set = kind === 'limits' ? c.resources?.limits : c.resources?.requests;
  const fallback = kind === 'limits' ? (ctx.nodeAllocatable as Record<string, string>)[resource ?? ''] : '0';
  const raw = set?.[resource ?? ''] ?? fallback ?? '0';
  const divisor = parseQuantity(ref.divisor ?? '1');
  if (resource === 'cpu') {
    const divMilli = Math.max(1, quantityMilliValue(divisor));
    return String(Math.ceil(quantityMilliValue(parseQuantity(raw)) / divMilli));
  }
  const div = Math.max(1, quantityValue(divisor));
  return String(Math.ceil(quantityValue(parseQuantity(raw)) / div));
}

function lookupConfigMap(snap: EnvSnapshot, ns: string, name: string, optional: boolean) {
  const cm = snap.configMaps.get(name);
  if (cm === undefined && !optional) throw new ContainerConfigError(`configmap "${name}" not found`);
  return cm;
}

function lookupSecret(snap: EnvSnapshot, name: string, optional: boolean) {
  const s = snap.secrets.get(name);
  if (s === undefined && !optional) throw new ContainerConfigError(`secret "${name}" not found`);
  return s;
}

/** One `valueFrom`'s value; undefined when an optional source is missing (the variable is then unset). */
function valueFrom(
  pod: Pod,
  container: Container,
  src: NonNullable<NonNullable<Container['env']>[number]['valueFrom']>,
  snap: EnvSnapshot,
  ctx: EnvContext,
): string | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  if (src.fieldRef) return fieldPathValue(pod, src.fieldRef.fieldPath, ctx);
  if (src.resourceFieldRef) return resourceFieldValue(pod, src.resourceFieldRef, container.name, ctx);
  if (src.configMapKeyRef) {
    const { name = '', key, optional = false } = src.configMapKeyRef;
    const cm = lookupConfigMap(snap, ns, name, optional);
    const v = cm?.data?.[key];
    if (v === undefined && cm !== undefined && !optional) {
      throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
    }
    return v;
  }
  if (src.secretKeyRef) {
    const { name = '', key, optional = false } = src.secretKeyRef;
    const s = lookupSecret(snap, name, optional);
    const v = s === undefined ? undefined : secretValue(s, key);
    if (v === undefined && s !== undefined && !optional) {
      throw new ContainerConfigError(`couldn't find key ${key} in Secret ${ns}/${name}`);
    }
    return v;
  }
  return undefined;
}

/**
 * The container's environment: envFrom first (later sources win), then env in order, each `value` expanded
 * against what is defined so far and then the service variables, which are added last where the container
 * does not define the name itself (kubelet `makeEnvironmentVariables`).
 *
 * @example
 * resolveEnv(pod, pod.spec.containers[0], { configMaps, secrets }, { podIP, hostIP, nodeAllocatable });
 */
export function resolveEnv(
  pod: Pod,
  container: Container,
  snap: EnvSnapshot,
  ctx: EnvContext,
): Record<string, string> {
  const vars = new Map<string, string>();
  for (const f of container.envFrom ?? []) {
    const prefix = f.prefix ?? '';
    if (f.configMapRef) {
      const cm = lookupConfigMap(snap, '', f.configMapRef.name ?? '', f.configMapRef.optional ?? false);
      for (const [k, v] of Object.entries(cm?.data ?? {})) vars.set(prefix + k, v);
    }
    if (f.secretRef) {
      const s = lookupSecret(snap, f.secretRef.name ?? '', f.secretRef.optional ?? false);
      for (const k of Object.keys({ ...s?.data, ...s?.stringData })) {
        const v = s === undefined ? undefined : secretValue(s, k);
        if (v !== undefined) vars.set(prefix + k, v);
      }
    }
  }
  const services = serviceEnv(pod, snap.services ?? []);
  for (const e of container.env ?? []) {
    if (e.valueFrom) {
      const v = valueFrom(pod, container, e.valueFrom, snap, ctx);
      if (v !== undefined) vars.set(e.name, v);
    } else {
      vars.set(e.name, expand(e.value ?? '', new Map([...services, ...vars])));
    }
  }
  for (const [k, v] of services) if (!vars.has(k)) vars.set(k, v);
  return Object.fromEntries(vars);
}

/** command/args with `$(VAR)` expanded against the container's environment. */
export function expandArgs(
  list: readonly string[] | undefined,
  env: Readonly<Record<string, string>>,
): string[] | undefined {
  if (list === undefined) return undefined;
  const vars = new Map(Object.entries(env));
  return list.map((a) => expand(a, vars));
}
