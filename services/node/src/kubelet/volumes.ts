/**
 * Pod volumes as the emulated runtime mounts them (kubelet volume plugins, pure): emptyDir starts empty;
 * configMap, secret, downwardAPI and projected volumes become files named by key (or by `items[].path`).
 * Other volume kinds (hostPath, persistentVolumeClaim) mount empty: the emulator has no disks.
 */
import type { Pod } from '@kubelab/api-types';
import type { FileEntry } from '../runtime/types.js';
import {
  ContainerConfigError,
  type DownwardItem,
  type EnvContext,
  type EnvSnapshot,
  type ProjectedSource,
  fieldPathValue,
  resourceFieldValue,
  secretValue,
} from './env.js';

type Items = { key: string; path: string }[] | undefined;

function keyed(data: Record<string, string>, items: Items): FileEntry[] {
  if (items === undefined || items.length === 0) {
    return Object.keys(data)
      .sort()
      .map((k) => ({ path: k, content: data[k] ?? '' }));
  }
  return items.flatMap((i) =>
    data[i.key] === undefined ? [] : [{ path: i.path, content: data[i.key] ?? '' }],
  );
}

function secretData(snap: EnvSnapshot, name: string): Record<string, string> | undefined {
  const s = snap.secrets.get(name);
  if (s === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const k of Object.keys({ ...s.data, ...s.stringData })) out[k] = secretValue(s, k) ?? '';
  return out;
}

function downward(pod: Pod, items: DownwardItem[] | undefined, ctx: EnvContext): FileEntry[] {
  const first = pod.spec.containers[0]?.name ?? '';
  return (items ?? []).map((i) => ({
    path: i.path,
    content: i.fieldRef
      ? fieldPathValue(pod, i.fieldRef.fieldPath, ctx)
      : i.resourceFieldRef
        ? resourceFieldValue(pod, i.resourceFieldRef, first, ctx)
        : '',
  }));
}

function projected(pod: Pod, sources: ProjectedSource[], snap: EnvSnapshot, ctx: EnvContext): FileEntry[] {
  const out: FileEntry[] = [];
  for (const src of sources) {
    if (src.configMap?.name) {
      const cm = snap.configMaps.get(src.configMap.name);
      if (cm === undefined && !src.configMap.optional) {
        throw new ContainerConfigError(`configmap "${src.configMap.name}" not found`);
      }
      out.push(...keyed(cm?.data ?? {}, src.configMap.items));
    }
    if (src.secret?.name) {
      const data = secretData(snap, src.secret.name);
      if (data === undefined && !src.secret.optional) {
        throw new ContainerConfigError(`secret "${src.secret.name}" not found`);
      }
      out.push(...keyed(data ?? {}, src.secret.items));
    }
    if (src.downwardAPI) out.push(...downward(pod, src.downwardAPI.items, ctx));
    if (src.serviceAccountToken) out.push({ path: src.serviceAccountToken.path, content: 'kubelab-token' });
  }
  return out;
}

/**
 * Every pod volume's initial files, by volume name. A missing required ConfigMap or Secret is a
 * {@link ContainerConfigError} (Kubernetes reports FailedMount and keeps the pod in ContainerCreating).
 */
export function buildVolumes(pod: Pod, snap: EnvSnapshot, ctx: EnvContext): Map<string, FileEntry[]> {
  const out = new Map<string, FileEntry[]>();
  for (const v of pod.spec.volumes ?? []) {
    if (v.configMap) {
      const name = v.configMap.name ?? '';
      const cm = snap.configMaps.get(name);
      if (cm === undefined && !v.configMap.optional) {
        throw new ContainerConfigError(`configmap "${name}" not found`);
      }
      out.set(v.name, keyed(cm?.data ?? {}, v.configMap.items));
    } else if (v.secret) {
      const name = v.secret.secretName ?? '';
      const data = secretData(snap, name);
      if (data === undefined && !v.secret.optional) {
        throw new ContainerConfigError(`secret "${name}" not found`);
      }
      out.set(v.name, keyed(data ?? {}, v.secret.items));
    } else if (v.downwardAPI) {
      out.set(v.name, downward(pod, v.downwardAPI.items as DownwardItem[] | undefined, ctx));
    } else if (v.projected) {
      out.set(v.name, projected(pod, (v.projected.sources ?? []) as ProjectedSource[], snap, ctx));
    } else {
      out.set(v.name, []);
    }
  }
  return out;
}
