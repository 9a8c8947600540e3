/**
 * Validation of the controllers outside apps/v1's selector-immutable family: ReplicationController (core/v1,
 * map selector), ControllerRevision (apps/v1 history snapshots) and Job (batch/v1).
 */
import { labelSelectorMatches, selectorFromLabelSelector, selectorFromSet } from '../selectors.js';
import type { ControllerRevision, Job, ReplicationController } from '../types/workloads.js';
import {
  type Cause,
  GoRepr,
  invalid,
  notSupported,
  required,
  validateImmutable,
  validateNonnegative,
} from './field.js';
import {
  goLabelSelector,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './meta.js';
import { nameIsDNSSubdomain } from './names.js';
import { validatePodTemplateSpec } from './pod.js';
import { SELECTOR_MISMATCH, validateReplicatedTemplate } from './workloads.js';

/** `ValidateReplicationController`: a non-empty map selector matching the template. */
export function validateReplicationController(rc: ReplicationController): Cause[] {
  const spec = rc.spec ?? {};
  const causes = validateObjectMeta(rc.metadata, true, nameIsDNSSubdomain);
  causes.push(...validateNonnegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  const selector = spec.selector ?? {};
  if (Object.keys(selector).length === 0) causes.push(required('spec.selector', ''));
  causes.push(...validateNonnegative(spec.replicas, 'spec.replicas'));
  if (spec.template === undefined || spec.template === null) {
    causes.push(required('spec.template', ''));
    return causes;
  }
  const labels = spec.template.metadata?.labels;
  if (Object.keys(selector).length > 0 && !labelSelectorMatches(selectorFromSet(selector), labels ?? {})) {
    causes.push(
      invalid(
        'spec.template.metadata.labels',
        labels ?? new GoRepr('map[string]string(nil)'),
        SELECTOR_MISMATCH,
      ),
    );
  }
  causes.push(...validateReplicatedTemplate(spec.template, 'ReplicationController'));
  return causes;
}

/** `ValidateControllerRevision`. */
export function validateControllerRevision(cr: ControllerRevision): Cause[] {
  const causes = validateObjectMeta(cr.metadata, true, nameIsDNSSubdomain);
  if (cr.data === undefined || cr.data === null) causes.push(required('data', 'data is mandatory'));
  causes.push(...validateNonnegative(cr.revision, 'revision'));
  return causes;
}

/** `ValidateJob` (the common parts). Expects a defaulted object with its generated selector. */
export function validateJob(job: Job): Cause[] {
  const spec = job.spec ?? ({} as Job['spec']);
  const causes = validateObjectMeta(job.metadata, true, nameIsDNSSubdomain);
  for (const k of [
    'parallelism',
    'completions',
    'activeDeadlineSeconds',
    'backoffLimit',
    'ttlSecondsAfterFinished',
  ] as const) {
    causes.push(...validateNonnegative(spec[k], `spec.${k}`));
  }
  if (spec.selector === undefined || spec.selector === null) causes.push(required('spec.selector', ''));
  else causes.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  try {
    const labels = spec.template?.metadata?.labels;
    if (!labelSelectorMatches(selectorFromLabelSelector(spec.selector), labels ?? {})) {
      causes.push(
        invalid(
          'spec.template.metadata.labels',
          labels ?? new GoRepr('map[string]string(nil)'),
          SELECTOR_MISMATCH,
        ),
      );
    }
  } catch {
    // An unparsable selector was reported above.
  }
  causes.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
  // SetDefaults_PodSpec turns an omitted restartPolicy into Always, so both read as "not chosen".
  const rp = spec.template?.spec?.restartPolicy ?? '';
  if (rp === 'Always' || rp === '') {
    causes.push(required('spec.template.spec.restartPolicy', 'valid values: "OnFailure", "Never"'));
  } else if (rp !== 'OnFailure' && rp !== 'Never') {
    causes.push(notSupported('spec.template.spec.restartPolicy', rp, ['OnFailure', 'Never']));
  }
  return causes;
}

export function validateReplicationControllerUpdate(
  n: ReplicationController,
  o: ReplicationController,
): Cause[] {
  return [
    ...validateObjectMetaUpdate(n.metadata, o.metadata),
    ...validateReplicationController(n).filter((c) => !c.field.startsWith('metadata.')),
  ];
}

export function validateControllerRevisionUpdate(n: ControllerRevision, o: ControllerRevision): Cause[] {
  return [
    ...validateObjectMetaUpdate(n.metadata, o.metadata),
    ...validateControllerRevision(n).filter((c) => !c.field.startsWith('metadata.')),
    ...validateImmutable(n.data, o.data, 'data', new GoRepr('runtime.RawExtension{...}')),
  ];
}

/** `ValidateJobUpdate`: selector, completion mode and (unless suspended) the template are immutable. */
export function validateJobUpdate(n: Job, o: Job): Cause[] {
  const causes = validateObjectMetaUpdate(n.metadata, o.metadata);
  causes.push(...validateJob(n).filter((c) => !c.field.startsWith('metadata.')));
  causes.push(
    ...validateImmutable(
      n.spec?.selector,
      o.spec?.selector,
      'spec.selector',
      goLabelSelector(n.spec?.selector),
    ),
  );
  causes.push(...validateImmutable(n.spec?.completionMode, o.spec?.completionMode, 'spec.completionMode'));
  if (!(o.spec?.suspend === true)) {
    causes.push(
      ...validateImmutable(
        n.spec?.template,
        o.spec?.template,
        'spec.template',
        new GoRepr('core.PodTemplateSpec{...}'),
      ),
    );
  }
  return causes;
}
