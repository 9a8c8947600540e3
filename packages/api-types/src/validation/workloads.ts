/**
 * apps/v1 workload validation: Deployment, ReplicaSet, StatefulSet and DaemonSet, create and update, plus
 * the selector/template helpers controllers.ts shares.
 */
import { type LabelSelectorMatcher, labelSelectorMatches, selectorFromLabelSelector } from '../selectors.js';
import type { IntOrString, LabelSelector } from '../types/meta.js';
import type { PodTemplateSpec } from '../types/pod.js';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../types/workloads.js';
import {
  type Cause,
  GoRepr,
  deepEqual,
  forbidden,
  goQuote,
  invalid,
  notSupported,
  required,
  validateNonnegative,
} from './field.js';
import {
  goLabelSelector,
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './meta.js';
import { isValidPercent, nameIsDNSLabel, nameIsDNSSubdomain } from './names.js';
import { validatePodTemplateSpec } from './pod.js';

/** The message of a selector that does not select its own template. */
export const SELECTOR_MISMATCH = '`selector` does not match template `labels`';

/** `%#v` of an `intstr.IntOrString`. */
export function goIntOrString(v: IntOrString | undefined): GoRepr {
  if (typeof v === 'string') return new GoRepr(`intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`);
  return new GoRepr(`intstr.IntOrString{Type:0, IntVal:${v ?? 0}, StrVal:""}`);
}

function percentValue(v: IntOrString | undefined): number | undefined {
  return typeof v === 'string' && isValidPercent(v).length === 0 ? Number(v.slice(0, -1)) : undefined;
}

function intOrPercentValue(v: IntOrString | undefined): number {
  return percentValue(v) ?? (typeof v === 'number' ? v : 0);
}

/** `ValidatePositiveIntOrPercent`. */
export function validatePositiveIntOrPercent(v: IntOrString | undefined, path: string): Cause[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => invalid(path, goIntOrString(v), m));
  if (typeof v === 'number') return validateNonnegative(v, path);
  return [];
}

function notMoreThan100Percent(v: IntOrString | undefined, path: string): Cause[] {
  const p = percentValue(v);
  return p !== undefined && p > 100 ? [invalid(path, goIntOrString(v), 'must not be greater than 100%')] : [];
}

/**
 * The selector checks shared by the apps kinds: required, valid, non-empty (with the kind's word in the
 * message), and matching the template's labels. Returns the matcher (undefined when the selector is unusable).
 */
function validateWorkloadSelector(
  selector: LabelSelector | undefined,
  template: PodTemplateSpec | undefined,
  word: string,
): { causes: Cause[]; ok: boolean } {
  const causes: Cause[] = [];
  if (selector === undefined || selector === null) causes.push(required('spec.selector', ''));
  else {
    causes.push(...validateLabelSelector(selector, 'spec.selector'));
    if (Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0) {
      causes.push(
        invalid('spec.selector', goLabelSelector(selector), `empty selector is invalid for ${word}`),
      );
    }
  }
  let matcher: LabelSelectorMatcher | undefined;
  try {
    matcher = selectorFromLabelSelector(selector);
  } catch {
    causes.push(
      invalid(
        'spec.selector',
        goLabelSelector(selector),
        word === 'statefulset' ? '' : 'invalid label selector',
      ),
    );
    return { causes, ok: false };
  }
  const labels = template?.metadata?.labels;
  if (!matcher.empty && !labelSelectorMatches(matcher, labels ?? {})) {
    causes.push(
      invalid(
        'spec.template.metadata.labels',
        labels ?? new GoRepr('map[string]string(nil)'),
        SELECTOR_MISMATCH,
      ),
    );
  }
  return { causes, ok: true };
}

/** `ValidatePodTemplateSpecForReplicaSet` restart/deadline rules plus the template itself. */
export function validateReplicatedTemplate(template: PodTemplateSpec | undefined, kindWord: string): Cause[] {
  const causes = validatePodTemplateSpec(template, 'spec.template');
  const rp = template?.spec?.restartPolicy ?? '';
  if (rp !== 'Always') causes.push(notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  if (template?.spec?.activeDeadlineSeconds !== undefined && template?.spec?.activeDeadlineSeconds !== null) {
    causes.push(
      forbidden(
        'spec.template.spec.activeDeadlineSeconds',
        `activeDeadlineSeconds in ${kindWord} is not Supported`,
      ),
    );
  }
  return causes;
}

/** `ValidateDeployment`. Expects a defaulted object. */
export function validateDeployment(d: Deployment): Cause[] {
  const spec = d.spec ?? ({} as Deployment['spec']);
  const causes = validateObjectMeta(d.metadata, true, nameIsDNSSubdomain);
  causes.push(...validateNonnegative(spec.replicas, 'spec.replicas'));
  const sel = validateWorkloadSelector(spec.selector, spec.template, 'deployment');
  causes.push(...sel.causes);
  // Kubernetes only validates the template once the selector converts.
  if (sel.ok) causes.push(...validateReplicatedTemplate(spec.template, 'ReplicaSet'));
  const strategy = spec.strategy ?? {};
  if (strategy.type === 'Recreate') {
    if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
      causes.push(
        forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"),
      );
    }
  } else if (strategy.type === 'RollingUpdate') {
    const ru = strategy.rollingUpdate;
    if (ru === undefined || ru === null) {
      causes.push(required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
    } else {
      const p = 'spec.strategy.rollingUpdate';
      causes.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`));
      causes.push(...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        causes.push(
          invalid(
            `${p}.maxUnavailable`,
            goIntOrString(ru.maxUnavailable),
            'may not be 0 when `maxSurge` is 0',
          ),
        );
      }
      causes.push(...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
    }
  } else {
    causes.push(
      notSupported(
        'spec.strategy',
        new GoRepr(`apps.DeploymentStrategy{Type:${goQuote(strategy.type ?? '')}}`),
        ['Recreate', 'RollingUpdate'],
      ),
    );
  }
  causes.push(...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  causes.push(...validateNonnegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  const pds = spec.progressDeadlineSeconds;
  if (pds !== undefined && pds !== null) {
    causes.push(...validateNonnegative(pds, 'spec.progressDeadlineSeconds'));
    if (pds <= (spec.minReadySeconds ?? 0)) {
      causes.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
    }
  }
  return causes;
}

/** `ValidateReplicaSet` (its empty-selector message really says "deployment"). */
export function validateReplicaSet(rs: ReplicaSet): Cause[] {
  const spec = rs.spec ?? ({} as ReplicaSet['spec']);
  const causes = validateObjectMeta(rs.metadata, true, nameIsDNSSubdomain);
  causes.push(...validateNonnegative(spec.replicas, 'spec.replicas'));
  causes.push(...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  const sel = validateWorkloadSelector(spec.selector, spec.template, 'deployment');
  causes.push(...sel.causes);
  if (sel.ok) causes.push(...validateReplicatedTemplate(spec.template, 'ReplicaSet'));
  return causes;
}

/** `ValidateStatefulSet`: DNS-label name; the template's pod spec is not validated (as in Kubernetes). */
export function validateStatefulSet(sts: StatefulSet): Cause[] {
  const causes = validateObjectMeta(sts.metadata, true, nameIsDNSLabel);
  causes.push(...validateStatefulSetSpec(sts));
  return causes;
}

function validateStatefulSetSpec(sts: StatefulSet): Cause[] {
  const spec = sts.spec ?? ({} as StatefulSet['spec']);
  const causes: Cause[] = [];
  const pmp = spec.podManagementPolicy ?? '';
  if (pmp === '') causes.push(required('spec.podManagementPolicy', ''));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') {
    causes.push(invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  }
  const us = spec.updateStrategy ?? {};
  if (!us.type) causes.push(required('spec.updateStrategy', ''));
  else if (us.type === 'OnDelete') {
    if (us.rollingUpdate !== undefined && us.rollingUpdate !== null) {
      causes.push(
        invalid(
          'spec.updateStrategy.rollingUpdate',
          new GoRepr('&apps.RollingUpdateStatefulSetStrategy{}'),
          "only allowed for updateStrategy 'RollingUpdate'",
        ),
      );
    }
  } else if (us.type === 'RollingUpdate') {
    causes.push(
      ...validateNonnegative(us.rollingUpdate?.partition, 'spec.updateStrategy.rollingUpdate.partition'),
    );
  } else {
    causes.push(
      invalid(
        'spec.updateStrategy',
        new GoRepr(`apps.StatefulSetUpdateStrategy{Type:${goQuote(us.type)}}`),
        "must be 'RollingUpdate' or 'OnDelete'",
      ),
    );
  }
  const policy = spec.persistentVolumeClaimRetentionPolicy;
  for (const k of ['whenDeleted', 'whenScaled'] as const) {
    if (policy && !['Retain', 'Delete'].includes(policy[k] ?? '')) {
      causes.push(
        notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, policy[k] ?? '', ['Retain', 'Delete']),
      );
    }
  }
  causes.push(...validateNonnegative(spec.replicas, 'spec.replicas'));
  causes.push(...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  causes.push(...validateNonnegative(spec.ordinals?.start, 'spec.ordinals.start'));
  const sel = validateWorkloadSelector(spec.selector, spec.template, 'statefulset');
  causes.push(...sel.causes);
  if (sel.ok) {
    const meta = spec.template?.metadata ?? {};
    causes.push(...validateLabels(meta.labels, 'spec.template.labels'));
    causes.push(...validateAnnotations(meta.annotations, 'spec.template.annotations'));
  }
  const rp = spec.template?.spec?.restartPolicy ?? '';
  if (rp !== 'Always') causes.push(notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  if (
    spec.template?.spec?.activeDeadlineSeconds !== undefined &&
    spec.template?.spec?.activeDeadlineSeconds !== null
  ) {
    causes.push(
      forbidden(
        'spec.template.spec.activeDeadlineSeconds',
        'activeDeadlineSeconds in StatefulSet is not Supported',
      ),
    );
  }
  return causes;
}

/** `ValidateDaemonSet`. */
export function validateDaemonSet(ds: DaemonSet): Cause[] {
  const spec = ds.spec ?? ({} as DaemonSet['spec']);
  const causes = validateObjectMeta(ds.metadata, true, nameIsDNSSubdomain);
  causes.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const matcher = selectorFromLabelSelector(spec.selector);
  const labels = spec.template?.metadata?.labels;
  if (!labelSelectorMatches(matcher, labels ?? {})) {
    causes.push(
      invalid(
        'spec.template.metadata.labels',
        labels ?? new GoRepr('map[string]string(nil)'),
        SELECTOR_MISMATCH,
      ),
    );
  }
  const sel = spec.selector;
  if (sel && Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0) {
    causes.push(invalid('spec.selector', goLabelSelector(sel), 'empty selector is invalid for daemonset'));
  }
  causes.push(...validateReplicatedTemplate(spec.template, 'DaemonSet'));
  causes.push(...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  const us = spec.updateStrategy ?? {};
  if (us.type === 'RollingUpdate') {
    const ru = us.rollingUpdate;
    const p = 'spec.updateStrategy.rollingUpdate';
    if (!ru) causes.push(required(p, ''));
    else {
      causes.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`));
      causes.push(...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`));
      causes.push(...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
      causes.push(...notMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`));
      const hasU = intOrPercentValue(ru.maxUnavailable) !== 0;
      const hasS = intOrPercentValue(ru.maxSurge) !== 0;
      if (hasU && hasS)
        causes.push(
          invalid(
            `${p}.maxSurge`,
            goIntOrString(ru.maxSurge),
            'may not be set when maxUnavailable is non-zero',
          ),
        );
      if (!hasU && !hasS) causes.push(required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
    }
  } else if (us.type !== 'OnDelete') {
    causes.push(
      notSupported(
        'spec.updateStrategy',
        new GoRepr(`apps.DaemonSetUpdateStrategy{Type:${goQuote(us.type ?? '')}}`),
        ['RollingUpdate', 'OnDelete'],
      ),
    );
  }
  causes.push(...validateNonnegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return causes;
}

/** Selector immutability for apps/v1 Deployment, ReplicaSet, DaemonSet and StatefulSet updates. */
function selectorImmutable(newSel: LabelSelector | undefined, oldSel: LabelSelector | undefined): Cause[] {
  return deepEqual(newSel, oldSel)
    ? []
    : [invalid('spec.selector', goLabelSelector(newSel), 'field is immutable')];
}

export function validateDeploymentUpdate(n: Deployment, o: Deployment): Cause[] {
  return [
    ...validateObjectMetaUpdate(n.metadata, o.metadata),
    ...validateDeployment(n).filter((c) => !c.field.startsWith('metadata.')),
    ...selectorImmutable(n.spec?.selector, o.spec?.selector),
  ];
}

export function validateReplicaSetUpdate(n: ReplicaSet, o: ReplicaSet): Cause[] {
  return [
    ...validateObjectMetaUpdate(n.metadata, o.metadata),
    ...validateReplicaSet(n).filter((c) => !c.field.startsWith('metadata.')),
    ...selectorImmutable(n.spec?.selector, o.spec?.selector),
  ];
}

export function validateDaemonSetUpdate(n: DaemonSet, o: DaemonSet): Cause[] {
  return [
    ...validateObjectMetaUpdate(n.metadata, o.metadata),
    ...validateDaemonSet(n).filter((c) => !c.field.startsWith('metadata.')),
    ...selectorImmutable(n.spec?.selector, o.spec?.selector),
  ];
}

/** The StatefulSet spec fields an update may change. */
const STS_MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

/** `ValidateStatefulSetUpdate`: the name is not revalidated; only the mutable spec fields may change. */
export function validateStatefulSetUpdate(n: StatefulSet, o: StatefulSet): Cause[] {
  const causes = validateObjectMetaUpdate(n.metadata, o.metadata);
  causes.push(...validateStatefulSetSpec(n));
  const strip = (spec: Record<string, unknown> | undefined): Record<string, unknown> =>
    Object.fromEntries(Object.entries(spec ?? {}).filter(([k]) => !STS_MUTABLE.includes(k)));
  if (!deepEqual(strip(n.spec), strip(o.spec))) {
    causes.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return causes;
}
