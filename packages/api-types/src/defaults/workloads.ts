/**
 * Workload defaults, mirroring `pkg/apis/apps/v1/defaults.go`, `pkg/apis/batch/v1/defaults.go` and
 * SetDefaults_ReplicationController, plus the Job selector the Job strategy generates on create.
 * Pure: each returns a defaulted copy.
 */
import type {
  DaemonSet,
  Deployment,
  Job,
  ReplicaSet,
  ReplicationController,
  StatefulSet,
} from '../types/workloads.js';
import { defaultPodTemplate } from './pod.js';

/**
 * SetDefaults_Deployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10,
 * progressDeadlineSeconds 600, and template defaults.
 */
export function defaultDeployment(d: Deployment): Deployment {
  const out = structuredClone(d);
  const spec = out.spec ?? ({} as Deployment['spec']);
  spec.replicas = spec.replicas ?? 1;
  const strategy = { ...(spec.strategy ?? {}) };
  strategy.type = strategy.type || 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = { ...(strategy.rollingUpdate ?? {}) };
    ru.maxUnavailable = ru.maxUnavailable ?? '25%';
    ru.maxSurge = ru.maxSurge ?? '25%';
    strategy.rollingUpdate = ru;
  }
  spec.strategy = strategy;
  spec.revisionHistoryLimit = spec.revisionHistoryLimit ?? 10;
  spec.progressDeadlineSeconds = spec.progressDeadlineSeconds ?? 600;
  spec.template = defaultPodTemplate(spec.template);
  out.spec = spec;
  return out;
}

/** SetDefaults_ReplicaSet: replicas 1 and template defaults. */
export function defaultReplicaSet(rs: ReplicaSet): ReplicaSet {
  const out = structuredClone(rs);
  const spec = out.spec ?? ({} as ReplicaSet['spec']);
  spec.replicas = spec.replicas ?? 1;
  spec.template = defaultPodTemplate(spec.template);
  out.spec = spec;
  return out;
}

/**
 * SetDefaults_ReplicationController: the selector and the RC's own labels default to the template's labels;
 * replicas 1.
 */
export function defaultReplicationController(rc: ReplicationController): ReplicationController {
  const out = structuredClone(rc);
  const spec = out.spec ?? {};
  const labels = spec.template?.metadata?.labels;
  if (labels !== undefined && labels !== null) {
    if (Object.keys(spec.selector ?? {}).length === 0) spec.selector = { ...labels };
    if (Object.keys(out.metadata.labels ?? {}).length === 0)
      out.metadata = { ...out.metadata, labels: { ...labels } };
  }
  spec.replicas = spec.replicas ?? 1;
  if (spec.template) spec.template = defaultPodTemplate(spec.template);
  out.spec = spec;
  return out;
}

/**
 * SetDefaults_StatefulSet: OrderedReady, RollingUpdate with partition 0, Retain/Retain PVC retention,
 * replicas 1, revisionHistoryLimit 10, and template defaults.
 */
export function defaultStatefulSet(sts: StatefulSet): StatefulSet {
  const out = structuredClone(sts);
  const spec = out.spec ?? ({} as StatefulSet['spec']);
  spec.podManagementPolicy = spec.podManagementPolicy || 'OrderedReady';
  const us = { ...(spec.updateStrategy ?? {}) };
  if (!us.type) {
    us.type = 'RollingUpdate';
    us.rollingUpdate = us.rollingUpdate ?? {};
  }
  if (us.type === 'RollingUpdate' && us.rollingUpdate) {
    us.rollingUpdate = { ...us.rollingUpdate, partition: us.rollingUpdate.partition ?? 0 };
  }
  spec.updateStrategy = us;
  const policy = { ...(spec.persistentVolumeClaimRetentionPolicy ?? {}) };
  policy.whenDeleted = policy.whenDeleted || 'Retain';
  policy.whenScaled = policy.whenScaled || 'Retain';
  spec.persistentVolumeClaimRetentionPolicy = policy;
  spec.replicas = spec.replicas ?? 1;
  spec.revisionHistoryLimit = spec.revisionHistoryLimit ?? 10;
  spec.template = defaultPodTemplate(spec.template);
  out.spec = spec;
  return out;
}

/** SetDefaults_DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0, revisionHistoryLimit 10. */
export function defaultDaemonSet(ds: DaemonSet): DaemonSet {
  const out = structuredClone(ds);
  const spec = out.spec ?? ({} as DaemonSet['spec']);
  const us = { ...(spec.updateStrategy ?? {}) };
  us.type = us.type || 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru = { ...(us.rollingUpdate ?? {}) };
    ru.maxUnavailable = ru.maxUnavailable ?? 1;
    ru.maxSurge = ru.maxSurge ?? 0;
    us.rollingUpdate = ru;
  }
  spec.updateStrategy = us;
  spec.revisionHistoryLimit = spec.revisionHistoryLimit ?? 10;
  spec.template = defaultPodTemplate(spec.template);
  out.spec = spec;
  return out;
}

/** The labels the Job controller uses to find its pods. */
export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
const LEGACY_JOB_NAME_LABEL = 'job-name';

/**
 * SetDefaults_Job (completions/parallelism 1 when both unset, backoffLimit 6, NonIndexed, not suspended,
 * TerminatingOrFailed replacement, the Job's labels from its template) and, unless `manualSelector` is
 * true, the generated selector and pod labels keyed on `metadata.uid` (which must be set by then).
 */
export function defaultJob(job: Job): Job {
  const out = structuredClone(job);
  const spec = out.spec ?? ({} as Job['spec']);
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism = spec.parallelism ?? 1;
  spec.backoffLimit = spec.backoffLimit ?? (spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6);
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels && Object.keys(out.metadata.labels ?? {}).length === 0) {
    out.metadata = { ...out.metadata, labels: { ...templateLabels } };
  }
  spec.completionMode = spec.completionMode ?? 'NonIndexed';
  spec.suspend = spec.suspend ?? false;
  spec.podReplacementPolicy =
    spec.podReplacementPolicy ?? (spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed');
  spec.template = defaultPodTemplate(spec.template);
  const uid = out.metadata.uid;
  if (spec.manualSelector !== true && uid) {
    const name = out.metadata.name ?? '';
    spec.selector = spec.selector ?? { matchLabels: { [JOB_CONTROLLER_UID_LABEL]: uid } };
    const meta = { ...(spec.template.metadata ?? {}) };
    meta.labels = {
      ...(meta.labels ?? {}),
      [JOB_CONTROLLER_UID_LABEL]: uid,
      [JOB_NAME_LABEL]: name,
      [LEGACY_CONTROLLER_UID_LABEL]: uid,
      [LEGACY_JOB_NAME_LABEL]: name,
    };
    spec.template = { ...spec.template, metadata: meta };
  }
  out.spec = spec;
  return out;
}
