/**
 * Validation of the simpler kinds: Namespace, ConfigMap, Secret, Node, Event, ServiceAccount, Lease,
 * HorizontalPodAutoscaler and Ingress, with their update rules.
 */
import type {
  ConfigMap,
  Event,
  HorizontalPodAutoscaler,
  Ingress,
  Lease,
  Namespace,
  Node,
  Secret,
} from '../types/cluster.js';
import type { KubeObject } from '../types/meta.js';
import {
  type Cause,
  deepEqual,
  forbidden,
  invalid,
  notSupported,
  required,
  tooLong,
  validateImmutable,
} from './field.js';
import { validateFinalizers, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1123Subdomain, maxLenError, nameIsDNSLabel, nameIsDNSSubdomain, regexError } from './names.js';

/** The size limit of a ConfigMap's or Secret's data, 1 MiB. */
export const MAX_SECRET_SIZE_BYTES = 1024 * 1024;

/** `IsConfigMapKey`: keys of ConfigMap and Secret data. */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLenError(253));
  if (!/^[-._a-zA-Z0-9]+$/.test(value)) {
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        '[-._a-zA-Z0-9]+',
        'key.name',
        'KEY_NAME',
        'key-name',
      ),
    );
  }
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

function sortedKeys(m: Record<string, unknown> | undefined): string[] {
  return Object.keys(m ?? {}).sort();
}

/** `ValidateNamespace`: DNS-label name, valid spec finalizers. */
export function validateNamespace(ns: Namespace): Cause[] {
  const causes = validateObjectMeta(ns.metadata, false, nameIsDNSLabel);
  causes.push(...validateFinalizers(ns.spec?.finalizers, 'spec.finalizers'));
  return causes;
}

/** `ValidateConfigMap`: keys, no key in both data and binaryData, total size at most 1 MiB. */
export function validateConfigMap(cm: ConfigMap): Cause[] {
  const causes = validateObjectMeta(cm.metadata, true, nameIsDNSSubdomain);
  let size = 0;
  for (const key of sortedKeys(cm.data)) {
    causes.push(...isConfigMapKey(key).map((m) => invalid(`data[${key}]`, key, m)));
    if (cm.binaryData && key in cm.binaryData) {
      causes.push(invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    }
    size += new TextEncoder().encode(cm.data?.[key] ?? '').length;
  }
  for (const key of sortedKeys(cm.binaryData)) {
    causes.push(...isConfigMapKey(key).map((m) => invalid(`binaryData[${key}]`, key, m)));
    size += base64Length(cm.binaryData?.[key] ?? '');
  }
  if (size > MAX_SECRET_SIZE_BYTES) causes.push(tooLong('', MAX_SECRET_SIZE_BYTES));
  return causes;
}

function base64Length(b64: string): number {
  const clean = b64.replace(/=+$/, '');
  return Math.floor((clean.length * 3) / 4);
}

function validateImmutableData(
  n: { immutable?: boolean; data?: unknown; binaryData?: unknown },
  o: { immutable?: boolean; data?: unknown; binaryData?: unknown },
): Cause[] {
  if (o.immutable !== true) return [];
  const causes: Cause[] = [];
  const msg = 'field is immutable when `immutable` is set';
  if (n.immutable !== true) causes.push(forbidden('immutable', msg));
  if (!deepEqual(n.data, o.data)) causes.push(forbidden('data', msg));
  if (!deepEqual(n.binaryData, o.binaryData)) causes.push(forbidden('binaryData', msg));
  return causes;
}

export function validateConfigMapUpdate(n: ConfigMap, o: ConfigMap): Cause[] {
  return [
    ...validateObjectMetaUpdate(n.metadata, o.metadata),
    ...validateImmutableData(n, o),
    ...validateConfigMap(n).filter((c) => !c.field.startsWith('metadata.')),
  ];
}

/** `ValidateSecret`: keys, size, and the per-type required keys. Expects stringData already merged. */
export function validateSecret(secret: Secret): Cause[] {
  const causes = validateObjectMeta(secret.metadata, true, nameIsDNSSubdomain);
  const data = secret.data ?? {};
  let size = 0;
  for (const key of sortedKeys(data)) {
    causes.push(...isConfigMapKey(key).map((m) => invalid(`data[${key}]`, key, m)));
    size += base64Length(data[key] ?? '');
  }
  if (size > MAX_SECRET_SIZE_BYTES) causes.push(tooLong('data', MAX_SECRET_SIZE_BYTES));
  const need = (key: string): void => {
    if (!(key in data)) causes.push(required(`data[${key}]`, ''));
  };
  switch (secret.type) {
    case 'kubernetes.io/service-account-token':
      if (!secret.metadata.annotations?.['kubernetes.io/service-account.name']) {
        causes.push(required('metadata.annotations[kubernetes.io/service-account.name]', ''));
      }
      break;
    case 'kubernetes.io/dockercfg':
      need('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      need('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!('username' in data) && !('password' in data)) {
        need('username');
        need('password');
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!data['ssh-privatekey']) causes.push(required('data[ssh-privatekey]', ''));
      break;
    case 'kubernetes.io/tls':
      need('tls.crt');
      need('tls.key');
      break;
  }
  return causes;
}

export function validateSecretUpdate(n: Secret, o: Secret): Cause[] {
  return [
    ...validateObjectMetaUpdate(n.metadata, o.metadata),
    ...validateImmutable(n.type ?? '', o.type ?? '', 'type'),
    ...validateImmutableData(n, o),
    ...validateSecret(n).filter((c) => !c.field.startsWith('metadata.')),
  ];
}

/** `ValidateNode` (the modelled parts): name and taint effects. */
export function validateNode(node: Node): Cause[] {
  const causes = validateObjectMeta(node.metadata, false, nameIsDNSSubdomain);
  (node.spec?.taints ?? []).forEach((t, i) => {
    if (!t.key) causes.push(required(`spec.taints[${i}].key`, ''));
    const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
    if (!t.effect) causes.push(required(`spec.taints[${i}].effect`, ''));
    else if (!effects.includes(t.effect))
      causes.push(notSupported(`spec.taints[${i}].effect`, t.effect, effects));
  });
  return causes;
}

/** Legacy core/v1 Event validation: the involved object's namespace must match the event's. */
export function validateEvent(ev: Event): Cause[] {
  const causes = validateObjectMeta(ev.metadata, true, nameIsDNSSubdomain);
  const ns = ev.metadata.namespace ?? '';
  const involved = ev.involvedObject?.namespace ?? '';
  // Only old-style events (no eventTime) are checked; new-style ones come through events.k8s.io.
  if (!ev.eventTime) {
    const ok = involved === '' ? ns === '' || ns === 'default' : ns === involved;
    if (!ok) causes.push(invalid('involvedObject.namespace', involved, 'does not match event.namespace'));
  }
  return causes;
}

/** `ValidateLease`. */
export function validateLease(lease: Lease): Cause[] {
  const causes = validateObjectMeta(lease.metadata, true, nameIsDNSSubdomain);
  const d = lease.spec?.leaseDurationSeconds;
  if (d !== undefined && d !== null && d <= 0) {
    causes.push(invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  }
  const t = lease.spec?.leaseTransitions;
  if (t !== undefined && t !== null && t < 0) {
    causes.push(invalid('spec.leaseTransitions', t, 'must be greater than or equal to 0'));
  }
  return causes;
}

/** `ValidateHorizontalPodAutoscaler` (v1 or v2 shape): replica bounds and the scale target. */
export function validateHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): Cause[] {
  const causes = validateObjectMeta(hpa.metadata, true, nameIsDNSSubdomain);
  const spec = hpa.spec ?? ({} as HorizontalPodAutoscaler['spec']);
  const min = spec.minReplicas;
  if (min !== undefined && min !== null && min < 1) {
    causes.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  }
  if ((spec.maxReplicas ?? 0) < 1)
    causes.push(invalid('spec.maxReplicas', spec.maxReplicas ?? 0, 'must be greater than 0'));
  if (min !== undefined && min !== null && (spec.maxReplicas ?? 0) < min) {
    causes.push(
      invalid('spec.maxReplicas', spec.maxReplicas ?? 0, 'must be greater than or equal to `minReplicas`'),
    );
  }
  const ref = spec.scaleTargetRef ?? ({} as HorizontalPodAutoscaler['spec']['scaleTargetRef']);
  if (!ref.kind) causes.push(required('spec.scaleTargetRef.kind', ''));
  else if (ref.kind.includes('/') || ref.kind.includes('%')) {
    causes.push(invalid('spec.scaleTargetRef.kind', ref.kind, "may not contain '/'"));
  }
  if (!ref.name) causes.push(required('spec.scaleTargetRef.name', ''));
  return causes;
}

/** Ingress validation (the modelled parts): path types and backends. */
export function validateIngress(ing: Ingress): Cause[] {
  const causes = validateObjectMeta(ing.metadata, true, nameIsDNSSubdomain);
  const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];
  (ing.spec?.rules ?? []).forEach((rule, i) => {
    if (rule.host) {
      causes.push(
        ...isDNS1123Subdomain(rule.host.replace(/^\*\./, '')).map((m) =>
          invalid(`spec.rules[${i}].host`, rule.host, m),
        ),
      );
    }
    (rule.http?.paths ?? []).forEach((p, j) => {
      const base = `spec.rules[${i}].http.paths[${j}]`;
      if (!p.pathType) causes.push(required(`${base}.pathType`, 'pathType must be specified'));
      else if (!pathTypes.includes(p.pathType))
        causes.push(notSupported(`${base}.pathType`, p.pathType, pathTypes));
      else if (p.pathType !== 'ImplementationSpecific' && !(p.path ?? '').startsWith('/')) {
        causes.push(invalid(`${base}.path`, p.path ?? '', 'must be an absolute path'));
      }
      const svc = p.backend?.service;
      if (svc !== undefined && !svc.name) causes.push(required(`${base}.backend.service.name`, ''));
    });
  });
  return causes;
}

/** Metadata-only validation for kinds without spec rules (ServiceAccount, unknown kinds). */
export function validateGeneric(obj: KubeObject, namespaced: boolean): Cause[] {
  return validateObjectMeta(obj.metadata, namespaced, nameIsDNSSubdomain);
}
