/**
 * Pod, PodSpec and PodTemplateSpec validation (`ValidatePodCreate`, `ValidatePodSpec`,
 * `ValidatePodTemplateSpec`, `ValidatePodUpdate`) from `pkg/apis/core/validation`.
 */
import type { ObjectMeta } from '../types/meta.js';
import type { Pod, PodSpec, PodTemplateSpec, Toleration, Volume } from '../types/pod.js';
import {
  validateContainers,
  validateDNS1123Label,
  validateInitContainers,
  validateUniqueHostPorts,
} from './container.js';
import {
  type Cause,
  deepEqual,
  duplicate,
  forbidden,
  inclusiveRangeError,
  invalid,
  notSupported,
  required,
} from './field.js';
import {
  validateAnnotations,
  validateLabelName,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './meta.js';
import { isValidLabelValue, nameIsDNSSubdomain } from './names.js';

const MAX_INT32 = 2147483647;

/** Every volume source key Kubernetes knows; a volume must set exactly one. */
export const VOLUME_SOURCES = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
] as const;

function validateVolumeSource(vol: Volume, path: string): Cause[] {
  const present = VOLUME_SOURCES.filter((k) => vol[k] !== undefined && vol[k] !== null);
  if (present.length === 0) return [required(path, 'must specify a volume type')];
  const causes: Cause[] = present
    .slice(1)
    .map((k) => forbidden(`${path}.${k}`, 'may not specify more than 1 volume type'));
  const first = present[0];
  if (first === 'hostPath' && !vol.hostPath?.path) causes.push(required(`${path}.hostPath.path`, ''));
  if (first === 'secret' && !vol.secret?.secretName) causes.push(required(`${path}.secret.secretName`, ''));
  if (first === 'configMap' && !vol.configMap?.name) causes.push(required(`${path}.configMap.name`, ''));
  if (first === 'persistentVolumeClaim' && !vol.persistentVolumeClaim?.claimName) {
    causes.push(required(`${path}.persistentVolumeClaim.claimName`, ''));
  }
  return causes;
}

/** `ValidateVolumes`: one source each, DNS-label names, unique names. Returns the valid names too. */
export function validateVolumes(
  volumes: Volume[] | undefined,
  path: string,
): { names: Set<string>; causes: Cause[] } {
  const names = new Set<string>();
  const causes: Cause[] = [];
  (volumes ?? []).forEach((vol, i) => {
    const p = `${path}[${i}]`;
    const errs = validateVolumeSource(vol, p);
    const name = vol.name ?? '';
    if (name.length === 0) errs.push(required(`${p}.name`, ''));
    else errs.push(...validateDNS1123Label(name, `${p}.name`));
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    if (errs.length === 0) names.add(name);
    else causes.push(...errs);
  });
  return { names, causes };
}

/** `ValidateTolerations`. */
export function validateTolerations(tolerations: Toleration[] | undefined, path: string): Cause[] {
  const causes: Cause[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const p = `${path}[${i}]`;
    const op = t.operator ?? '';
    if (t.key) causes.push(...validateLabelName(t.key, `${p}.key`));
    if (!t.key && op !== 'Exists') {
      causes.push(
        invalid(
          `${p}.operator`,
          op,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      causes.push(
        invalid(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"),
      );
    }
    if (op === 'Equal' || op === '') {
      const errs = isValidLabelValue(t.value ?? '');
      if (errs.length > 0) causes.push(invalid(`${p}.operator`, t.value ?? '', errs.join(';')));
    } else if (op === 'Exists') {
      if (t.value)
        causes.push(invalid(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
    } else causes.push(notSupported(`${p}.operator`, op, ['Equal', 'Exists']));
    if (t.effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect)) {
      causes.push(notSupported(`${p}.effect`, t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    }
  });
  return causes;
}

function validateEnum(value: string | undefined, valid: string[], path: string): Cause[] {
  if (!value) return [required(path, '')];
  return valid.includes(value) ? [] : [notSupported(path, value, valid)];
}

/** `ValidatePodSpec` (the parts kubelab models). Expects a defaulted spec. */
export function validatePodSpec(spec: PodSpec | undefined, path: string): Cause[] {
  const s = spec ?? ({ containers: [] } as PodSpec);
  const { names: volumes, causes } = validateVolumes(s.volumes, `${path}.volumes`);
  causes.push(...validateContainers(s.containers, volumes, `${path}.containers`));
  causes.push(...validateInitContainers(s.initContainers, s.containers, volumes, `${path}.initContainers`));
  causes.push(
    ...validateUniqueHostPorts([...(s.containers ?? []), ...(s.initContainers ?? [])], `${path}.containers`),
  );
  causes.push(...validateEnum(s.restartPolicy, ['Always', 'OnFailure', 'Never'], `${path}.restartPolicy`));
  causes.push(
    ...validateEnum(
      s.dnsPolicy,
      ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'],
      `${path}.dnsPolicy`,
    ),
  );
  causes.push(...validateLabels(s.nodeSelector, `${path}.nodeSelector`));
  if (s.serviceAccountName) {
    for (const m of nameIsDNSSubdomain(s.serviceAccountName, false)) {
      causes.push(invalid(`${path}.serviceAccountName`, s.serviceAccountName, m));
    }
  }
  if (s.nodeName) {
    for (const m of nameIsDNSSubdomain(s.nodeName, false))
      causes.push(invalid(`${path}.nodeName`, s.nodeName, m));
  }
  const ads = s.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null && (ads < 1 || ads > MAX_INT32)) {
    causes.push(invalid(`${path}.activeDeadlineSeconds`, ads, inclusiveRangeError(1, MAX_INT32)));
  }
  if (s.hostname) causes.push(...validateDNS1123Label(s.hostname, `${path}.hostname`));
  if (s.subdomain) causes.push(...validateDNS1123Label(s.subdomain, `${path}.subdomain`));
  causes.push(...validateTolerations(s.tolerations, `${path}.tolerations`));
  return causes;
}

/** `ValidatePodTemplateSpec`: template labels are reported at `<path>.labels`, as Kubernetes does. */
export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: string): Cause[] {
  const meta: ObjectMeta = template?.metadata ?? {};
  const causes = validateLabels(meta.labels, `${path}.labels`);
  causes.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  causes.push(...validatePodSpec(template?.spec, `${path}.spec`));
  if ((template?.spec?.ephemeralContainers ?? []).length > 0) {
    causes.push(
      forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'),
    );
  }
  return causes;
}

function validateImageWhitespace(pod: Pod): Cause[] {
  const causes: Cause[] = [];
  for (const key of ['containers', 'initContainers'] as const) {
    (pod.spec?.[key] ?? []).forEach((c, i) => {
      const image = c.image ?? '';
      if (image.trim().length !== image.length) {
        causes.push(
          invalid(`spec.${key}[${i}].image`, image, 'must not have leading or trailing whitespace'),
        );
      }
    });
  }
  return causes;
}

/** `ValidatePodCreate`. */
export function validatePodCreate(pod: Pod): Cause[] {
  const causes = validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain);
  causes.push(...validatePodSpec(pod.spec, 'spec'));
  causes.push(...validateImageWhitespace(pod));
  if ((pod.spec?.ephemeralContainers ?? []).length > 0) {
    causes.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  }
  if (pod.spec?.nodeName && (pod.spec.schedulingGates ?? []).length > 0) {
    causes.push(forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  return causes;
}

/** The fields a pod update may change, as listed in Kubernetes' message. */
export const UPDATABLE_POD_SPEC_FIELDS =
  '`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function diffPaths(a: unknown, b: unknown, path: string, out: string[]): void {
  if (deepEqual(a, b)) return;
  const bothObjects = typeof a === 'object' && a !== null && typeof b === 'object' && b !== null;
  if (!bothObjects || Array.isArray(a) !== Array.isArray(b) || out.length > 20) {
    out.push(`  ${path}: ${JSON.stringify(a ?? null)} -> ${JSON.stringify(b ?? null)}`);
    return;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    diffPaths(ao[k], bo[k], Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`, out);
  }
}

/**
 * `ValidatePodUpdate`: only images, activeDeadlineSeconds (shortening), added tolerations and scheduling
 * gate removal may change. The Forbidden message lists the updatable fields and then a diff; Kubernetes
 * prints a go-cmp diff there, kubelab a list of changed paths.
 */
export function validatePodUpdate(newPod: Pod, oldPod: Pod): Cause[] {
  const causes = validateObjectMetaUpdate(newPod.metadata, oldPod.metadata);
  causes.push(...validatePodCreate(newPod).filter((c) => !c.field.startsWith('spec.ephemeralContainers')));
  const ns = newPod.spec ?? ({ containers: [] } as PodSpec);
  const os = oldPod.spec ?? ({ containers: [] } as PodSpec);
  if ((ns.containers ?? []).length !== (os.containers ?? []).length) {
    causes.push(forbidden('spec.containers', 'pod updates may not add or remove containers'));
    return causes;
  }
  const ads = ns.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) {
    if (ads < 0 || ads > MAX_INT32) {
      causes.push(invalid('spec.activeDeadlineSeconds', ads, inclusiveRangeError(0, MAX_INT32)));
      return causes;
    }
    if (
      os.activeDeadlineSeconds !== undefined &&
      os.activeDeadlineSeconds !== null &&
      os.activeDeadlineSeconds < ads
    ) {
      causes.push(invalid('spec.activeDeadlineSeconds', ads, 'must be less than or equal to previous value'));
      return causes;
    }
  } else if (os.activeDeadlineSeconds !== undefined && os.activeDeadlineSeconds !== null) {
    causes.push(
      invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'),
    );
  }
  (os.tolerations ?? []).forEach((t, i) => {
    if (
      !(ns.tolerations ?? []).some((n) =>
        deepEqual({ ...n, tolerationSeconds: 0 }, { ...t, tolerationSeconds: 0 }),
      )
    ) {
      causes.push(
        forbidden(
          `spec.tolerations[${i}]`,
          'existing toleration can not be modified except its tolerationSeconds',
        ),
      );
    }
  });
  const munged: Record<string, unknown> = {
    ...ns,
    containers: (ns.containers ?? []).map((c, i) => ({ ...c, image: os.containers?.[i]?.image })),
    tolerations: os.tolerations,
    activeDeadlineSeconds: os.activeDeadlineSeconds,
  };
  if (ns.initContainers !== undefined) {
    munged.initContainers = ns.initContainers.map((c, i) => ({ ...c, image: os.initContainers?.[i]?.image }));
  }
  const oldGates = os.schedulingGates ?? [];
  if ((ns.schedulingGates ?? []).every((g) => oldGates.some((o) => o.name === g.name))) {
    munged.schedulingGates = os.schedulingGates;
  }
  if (!deepEqual(munged, os)) {
    const lines: string[] = [];
    diffPaths(os, munged, 'spec', lines);
    causes.push(
      forbidden(
        'spec',
        `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS}\n${lines.join('\n')}`,
      ),
    );
  }
  return causes;
}
