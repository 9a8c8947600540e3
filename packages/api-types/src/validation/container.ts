/**
 * Container-level validation from `pkg/apis/core/validation`: names, image, ports, env, volume mounts,
 * resources, probes and lifecycle handlers, pull and termination-message policies.
 */
import { compareQuantities, formatQuantity, tryParseQuantity } from '../quantity.js';
import type {
  Container,
  ContainerPort,
  EnvVar,
  HTTPGetAction,
  LifecycleHandler,
  Probe,
  ResourceRequirements,
  VolumeMount,
} from '../types/pod.js';
import {
  type Cause,
  duplicate,
  forbidden,
  invalid,
  notFound,
  notSupported,
  required,
  validateNonnegative,
} from './field.js';
import {
  isDNS1123Label,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidPortName,
  isValidPortNum,
} from './names.js';

const SUPPORTED_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** `ValidateDNS1123Label` on a field. */
export function validateDNS1123Label(value: string, path: string): Cause[] {
  return isDNS1123Label(value).map((m) => invalid(path, value, m));
}

/** `ValidatePortNumOrName`: an IntOrString port. */
export function validatePortNumOrName(port: unknown, path: string): Cause[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => invalid(path, port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalid(path, port, m));
  return [invalid(path, port ?? null, 'unknown type')];
}

/** `validateContainerPorts`: unique valid names, port ranges, protocol. */
export function validateContainerPorts(ports: ContainerPort[] | undefined, path: string): Cause[] {
  const causes: Cause[] = [];
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const p = `${path}[${i}]`;
    if (port.name) {
      const msgs = isValidPortName(port.name);
      if (msgs.length > 0) causes.push(...msgs.map((m) => invalid(`${p}.name`, port.name, m)));
      else if (names.has(port.name)) causes.push(duplicate(`${p}.name`, port.name));
      else names.add(port.name);
    }
    if (!port.containerPort) causes.push(required(`${p}.containerPort`, ''));
    else
      causes.push(
        ...isValidPortNum(port.containerPort).map((m) =>
          invalid(`${p}.containerPort`, port.containerPort, m),
        ),
      );
    if (port.hostPort) {
      causes.push(...isValidPortNum(port.hostPort).map((m) => invalid(`${p}.hostPort`, port.hostPort, m)));
    }
    if (!port.protocol) causes.push(required(`${p}.protocol`, ''));
    else if (!SUPPORTED_PROTOCOLS.includes(port.protocol)) {
      causes.push(notSupported(`${p}.protocol`, port.protocol, SUPPORTED_PROTOCOLS));
    }
  });
  return causes;
}

/** `ValidateEnv` with relaxed names (RelaxedEnvironmentVariableValidation is on by default in 1.32). */
export function validateEnv(env: EnvVar[] | undefined, path: string): Cause[] {
  const causes: Cause[] = [];
  (env ?? []).forEach((ev, i) => {
    const p = `${path}[${i}]`;
    const name = ev.name ?? '';
    if (name.length === 0) causes.push(required(`${p}.name`, ''));
    causes.push(...isRelaxedEnvVarName(name).map((m) => invalid(`${p}.name`, name, m)));
    const from = ev.valueFrom;
    if (from !== undefined && from !== null) {
      const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter(
        (k) => (from as Record<string, unknown>)[k] !== undefined,
      );
      const one = 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`';
      if (sources.length === 0) causes.push(invalid(`${p}.valueFrom`, '', one));
      else if (ev.value !== undefined && ev.value !== '') {
        causes.push(invalid(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty'));
      } else if (sources.length > 1) {
        causes.push(invalid(`${p}.valueFrom`, '', 'may not have more than one field specified at a time'));
      }
    }
  });
  return causes;
}

/** `ValidateVolumeMounts`: name set and referring to a pod volume, mountPath set and unique. */
export function validateVolumeMounts(
  mounts: VolumeMount[] | undefined,
  volumes: Set<string>,
  path: string,
): Cause[] {
  const causes: Cause[] = [];
  const mountPoints = new Set<string>();
  (mounts ?? []).forEach((mnt, i) => {
    const p = `${path}[${i}]`;
    const name = mnt.name ?? '';
    if (name.length === 0) causes.push(required(`${p}.name`, ''));
    if (!volumes.has(name)) causes.push(notFound(`${p}.name`, name));
    const mountPath = mnt.mountPath ?? '';
    if (mountPath.length === 0) causes.push(required(`${p}.mountPath`, ''));
    if (mountPoints.has(mountPath)) causes.push(invalid(`${p}.mountPath`, mountPath, 'must be unique'));
    mountPoints.add(mountPath);
  });
  return causes;
}

function validateResourceName(name: string, path: string): Cause[] {
  if (name.includes('/')) return isQualifiedName(name).map((m) => invalid(path, name, m));
  if (STANDARD_CONTAINER_RESOURCES.has(name) || name.startsWith('hugepages-')) return [];
  return [invalid(path, name, 'must be a standard resource for containers')];
}

/** `ValidateResourceRequirements`: known names, non-negative values, requests ≤ limits. */
export function validateResources(resources: ResourceRequirements | undefined, path: string): Cause[] {
  const causes: Cause[] = [];
  const limits = resources?.limits ?? {};
  const requests = resources?.requests ?? {};
  for (const [kind, list] of [
    ['limits', limits],
    ['requests', requests],
  ] as const) {
    for (const [name, value] of Object.entries(list).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const p = `${path}.${kind}[${name}]`;
      causes.push(...validateResourceName(name, p));
      const q = tryParseQuantity(String(value));
      if (q === undefined)
        causes.push(invalid(p, String(value), 'quantities must match the regular expression'));
      else if (q.nanos < 0n) causes.push(invalid(p, formatQuantity(q), 'must be greater than or equal to 0'));
      if (kind === 'requests' && q !== undefined && limits[name] !== undefined) {
        const limit = tryParseQuantity(String(limits[name]));
        if (limit !== undefined && compareQuantities(q, limit) > 0) {
          causes.push(
            invalid(
              `${path}.requests`,
              formatQuantity(q),
              `must be less than or equal to ${name} limit of ${formatQuantity(limit)}`,
            ),
          );
        }
      }
    }
  }
  return causes;
}

function validateHTTPGet(action: HTTPGetAction, path: string): Cause[] {
  const causes: Cause[] = [];
  if (!action.path) causes.push(required(`${path}.path`, ''));
  causes.push(...validatePortNumOrName(action.port, `${path}.port`));
  if (!['HTTP', 'HTTPS'].includes(action.scheme ?? '')) {
    causes.push(notSupported(`${path}.scheme`, action.scheme ?? '', ['HTTP', 'HTTPS']));
  }
  return causes;
}

/**
 * `validateHandler`: exactly one handler type. The checks run in Kubernetes' order (exec, httpGet,
 * tcpSocket, grpc, sleep); the second and later ones are `may not specify more than 1 handler type`.
 */
export function validateHandler(
  handler: LifecycleHandler & Probe,
  path: string,
  allowSleep = false,
): Cause[] {
  const causes: Cause[] = [];
  let count = 0;
  const one = (key: string, present: boolean, check: () => Cause[]): void => {
    if (!present) return;
    if (count > 0) causes.push(forbidden(`${path}.${key}`, 'may not specify more than 1 handler type'));
    else {
      count += 1;
      causes.push(...check());
    }
  };
  one('exec', handler.exec != null, () =>
    (handler.exec?.command ?? []).length === 0 ? [required(`${path}.exec.command`, '')] : [],
  );
  one('httpGet', handler.httpGet != null, () =>
    validateHTTPGet(handler.httpGet as HTTPGetAction, `${path}.httpGet`),
  );
  one('tcpSocket', handler.tcpSocket != null, () =>
    validatePortNumOrName(handler.tcpSocket?.port, `${path}.tcpSocket.port`),
  );
  one('grpc', handler.grpc != null, () =>
    isValidPortNum(handler.grpc?.port ?? 0).map((m) =>
      invalid(`${path}.grpc.port`, handler.grpc?.port ?? 0, m),
    ),
  );
  if (allowSleep) {
    one('sleep', handler.sleep != null, () =>
      validateNonnegative(handler.sleep?.seconds ?? 0, `${path}.sleep.seconds`),
    );
  }
  if (count === 0) causes.push(required(path, 'must specify a handler type'));
  return causes;
}

/** `validateProbe` plus the liveness/startup (`successThreshold` must be 1) and readiness rules. */
export function validateProbe(
  probe: Probe | undefined,
  kind: 'liveness' | 'readiness' | 'startup',
  path: string,
): Cause[] {
  if (probe === undefined || probe === null) return [];
  const causes = validateHandler(probe, path);
  for (const k of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ] as const) {
    causes.push(...validateNonnegative(probe[k], `${path}.${k}`));
  }
  const tgps = probe.terminationGracePeriodSeconds;
  if (tgps !== undefined && tgps !== null && tgps <= 0) {
    causes.push(invalid(`${path}.terminationGracePeriodSeconds`, tgps, 'must be greater than 0'));
  }
  if (kind !== 'readiness' && (probe.successThreshold ?? 1) !== 1) {
    causes.push(invalid(`${path}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
  if (kind === 'readiness' && tgps !== undefined && tgps !== null) {
    causes.push(
      invalid(`${path}.terminationGracePeriodSeconds`, tgps, 'must not be set for readinessProbes'),
    );
  }
  return causes;
}

/**
 * `validateContainerCommon`: name, image, termination-message policy, ports, env, mounts, pull policy and
 * resources.
 */
export function validateContainerCommon(ctr: Container, volumes: Set<string>, path: string): Cause[] {
  const causes: Cause[] = [];
  const name = ctr.name ?? '';
  if (name.length === 0) causes.push(required(`${path}.name`, ''));
  else causes.push(...validateDNS1123Label(name, `${path}.name`));
  if (!ctr.image) causes.push(required(`${path}.image`, ''));
  const tmp = ctr.terminationMessagePolicy ?? '';
  if (tmp === '') causes.push(required(`${path}.terminationMessagePolicy`, ''));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    causes.push(notSupported(`${path}.terminationMessagePolicy`, tmp, ['File', 'FallbackToLogsOnError']));
  }
  causes.push(...validateContainerPorts(ctr.ports, `${path}.ports`));
  causes.push(...validateEnv(ctr.env, `${path}.env`));
  causes.push(...validateVolumeMounts(ctr.volumeMounts, volumes, `${path}.volumeMounts`));
  const pull = ctr.imagePullPolicy ?? '';
  if (pull === '') causes.push(required(`${path}.imagePullPolicy`, ''));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pull)) {
    causes.push(notSupported(`${path}.imagePullPolicy`, pull, ['Always', 'IfNotPresent', 'Never']));
  }
  causes.push(...validateResources(ctr.resources, `${path}.resources`));
  return causes;
}

function validateLifecycle(ctr: Container, path: string): Cause[] {
  const lc = ctr.lifecycle;
  if (lc === undefined || lc === null) return [];
  const causes: Cause[] = [];
  if (lc.postStart) causes.push(...validateHandler(lc.postStart, `${path}.lifecycle.postStart`, true));
  if (lc.preStop) causes.push(...validateHandler(lc.preStop, `${path}.lifecycle.preStop`, true));
  return causes;
}

/**
 * `validateContainers`: at least one; each valid; names unique; probes and lifecycle valid; a regular
 * container may not set restartPolicy.
 */
export function validateContainers(
  containers: Container[] | undefined,
  volumes: Set<string>,
  path: string,
): Cause[] {
  if (!containers || containers.length === 0) return [required(path, '')];
  const causes: Cause[] = [];
  const names = new Set<string>();
  containers.forEach((ctr, i) => {
    const p = `${path}[${i}]`;
    causes.push(...validateContainerCommon(ctr, volumes, p));
    causes.push(...validateLifecycle(ctr, p));
    if (ctr.restartPolicy !== undefined && ctr.restartPolicy !== null) {
      causes.push(forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
    }
    if (names.has(ctr.name)) causes.push(duplicate(`${p}.name`, ctr.name));
    else names.add(ctr.name);
    causes.push(...validateProbe(ctr.livenessProbe, 'liveness', `${p}.livenessProbe`));
    causes.push(...validateProbe(ctr.readinessProbe, 'readiness', `${p}.readinessProbe`));
    causes.push(...validateProbe(ctr.startupProbe, 'startup', `${p}.startupProbe`));
  });
  return causes;
}

/**
 * `validateInitContainers`: names unique across init and regular containers; only restartable (sidecar)
 * init containers may carry probes or lifecycle hooks.
 */
export function validateInitContainers(
  inits: Container[] | undefined,
  regular: Container[] | undefined,
  volumes: Set<string>,
  path: string,
): Cause[] {
  const causes: Cause[] = [];
  const names = new Set((regular ?? []).map((c) => c.name));
  (inits ?? []).forEach((ctr, i) => {
    const p = `${path}[${i}]`;
    causes.push(...validateContainerCommon(ctr, volumes, p));
    if (names.has(ctr.name)) causes.push(duplicate(`${p}.name`, ctr.name));
    else names.add(ctr.name);
    const sidecar = ctr.restartPolicy === 'Always';
    if (ctr.restartPolicy !== undefined && ctr.restartPolicy !== null && !sidecar) {
      causes.push(notSupported(`${p}.restartPolicy`, ctr.restartPolicy, ['Always']));
    }
    if (sidecar) {
      causes.push(...validateLifecycle(ctr, p));
      causes.push(...validateProbe(ctr.livenessProbe, 'liveness', `${p}.livenessProbe`));
      causes.push(...validateProbe(ctr.readinessProbe, 'readiness', `${p}.readinessProbe`));
      causes.push(...validateProbe(ctr.startupProbe, 'startup', `${p}.startupProbe`));
      return;
    }
    const notAllowed = 'may not be set for init containers without restartPolicy=Always';
    if (ctr.lifecycle) causes.push(forbidden(`${p}.lifecycle`, notAllowed));
    if (ctr.livenessProbe) causes.push(forbidden(`${p}.livenessProbe`, notAllowed));
    if (ctr.readinessProbe) causes.push(forbidden(`${p}.readinessProbe`, notAllowed));
    if (ctr.startupProbe) causes.push(forbidden(`${p}.startupProbe`, notAllowed));
  });
  return causes;
}

/** `AccumulateUniqueHostPorts`: the same protocol/hostIP/hostPort may not be used twice in a pod. */
export function validateUniqueHostPorts(containers: Container[], path: string): Cause[] {
  const causes: Cause[] = [];
  const seen = new Set<string>();
  containers.forEach((ctr, i) => {
    (ctr.ports ?? []).forEach((port, j) => {
      if (!port.hostPort) return;
      const key = `${port.protocol ?? ''}/${port.hostIP ?? ''}/${port.hostPort}`;
      if (seen.has(key)) causes.push(duplicate(`${path}[${i}].ports[${j}].hostPort`, key));
      seen.add(key);
    });
  });
  return causes;
}
