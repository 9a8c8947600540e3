/**
 * Creating and deleting a controller's pods, with Kubernetes' events (controller_utils.go `RealPodControl`,
 * `GetPodFromTemplate`): SuccessfulCreate "Created pod: web-7d9f8-abcde", FailedCreate "Error creating: …",
 * SuccessfulDelete "Deleted pod: …", FailedDelete "Error deleting: …".
 */
import { type ApiClient, ApiUnavailableError, isNotFound, isTimeout, resources } from '@kubelab/api-client';
import {
  type KubeObject,
  type OwnerReference,
  type Pod,
  type PodTemplateSpec,
  isDNS1123Subdomain,
} from '@kubelab/api-types';
import type { EventRecorder } from '@kubelab/controller-kit';

/** What a controller does to pods; tests may substitute their own. */
export interface PodControl {
  createPod(
    namespace: string,
    template: PodTemplateSpec,
    owner: KubeObject,
    ref: OwnerReference,
  ): Promise<Pod>;
  deletePod(namespace: string, name: string, owner: KubeObject): Promise<void>;
}

/** `getPodsPrefix`: `<owner>-`, or the bare name when that would not be a valid name. */
export function podNamePrefix(ownerName: string): string {
  const prefix = `${ownerName}-`;
  // ValidatePodName(prefix, true) masks the trailing dash, as a generated suffix will follow it.
  return isDNS1123Subdomain(`${ownerName}-a`).length === 0 ? prefix : ownerName;
}

/** `GetPodFromTemplate`: the template's labels, annotations, finalizers and spec, generateName `<owner>-`, the controller reference. */
export function podFromTemplate(
  template: PodTemplateSpec,
  owner: KubeObject,
  ref: OwnerReference | undefined,
): Pod {
  const meta = template.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: podNamePrefix(owner.metadata.name ?? ''),
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ...(ref ? { ownerReferences: [ref] } : {}),
    },
    spec: structuredClone(template.spec),
  };
}

/**
 * Whether a write that failed may still have been applied: the api answered Timeout (504/ServerTimeout: the
 * write did not commit in time but may later), or no reply came in time (the request may be queued or
 * applied). No responders and overload refusals are certain failures.
 */
export function outcomeUnknown(err: unknown): boolean {
  return isTimeout(err) || (err instanceof ApiUnavailableError && err.why === 'timeout');
}

/** The api-backed {@link PodControl}. */
export function realPodControl(client: ApiClient, recorder: EventRecorder): PodControl {
  return {
    async createPod(namespace, template, owner, ref) {
      const pod = podFromTemplate(template, owner, ref);
      if (Object.keys(pod.metadata.labels ?? {}).length === 0) {
        throw new Error('unable to create pods, no labels');
      }
      try {
        const created = await client.create<Pod>(resources.pods, pod, { namespace });
        recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
        return created;
      } catch (err) {
        if (!outcomeUnknown(err)) {
          recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${messageOf(err)}`);
        }
        throw err;
      }
    },
    async deletePod(namespace, name, owner) {
      try {
        await client.delete(resources.pods, name, { namespace });
        recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
      } catch (err) {
        if (!isNotFound(err))
          recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${messageOf(err)}`);
        throw err;
      }
    },
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
