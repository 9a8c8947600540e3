/**
 * ObjectMeta, labels, annotations and LabelSelector validation (apimachinery `api/validation` and
 * `apis/meta/v1/validation`), plus Go renderings of LabelSelector used in messages.
 */
import type { LabelSelector, ObjectMeta, OwnerReference } from '../types/meta.js';
import {
  type Cause,
  GoRepr,
  forbidden,
  goQuote,
  goStringMap,
  goStringSlice,
  invalid,
  required,
  tooLong,
  validateImmutable,
  validateNonnegative,
} from './field.js';
import { type NameValidator, isQualifiedName, isValidLabelValue, nameIsDNSLabel } from './names.js';

/** The total size limit of metadata.annotations (keys plus values), 256 KiB. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

function sortedEntries(m: Record<string, string> | undefined): [string, string][] {
  return Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `ValidateLabelName`: a qualified name; errors are reported on the map's path, not the key's. */
export function validateLabelName(key: string, path: string): Cause[] {
  return isQualifiedName(key).map((m) => invalid(path, key, m));
}

/** `ValidateLabels`: keys are qualified names, values label values; errors sit at the map's path. */
export function validateLabels(labels: Record<string, string> | undefined, path: string): Cause[] {
  const causes: Cause[] = [];
  for (const [k, v] of sortedEntries(labels)) {
    causes.push(...validateLabelName(k, path));
    for (const m of isValidLabelValue(String(v))) causes.push(invalid(path, v, m));
  }
  return causes;
}

/** `ValidateAnnotations`: keys are qualified names (case-insensitively), total size at most 256 KiB. */
export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): Cause[] {
  const causes: Cause[] = [];
  let size = 0;
  const enc = new TextEncoder();
  for (const [k, v] of sortedEntries(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) causes.push(invalid(path, k, m));
    size += enc.encode(k).length + enc.encode(String(v)).length;
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) causes.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  return causes;
}

/** `ValidateOwnerReferences`: required parts, and at most one controller. */
export function validateOwnerReferences(refs: OwnerReference[] | undefined, path: string): Cause[] {
  const causes: Cause[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    const apiVersion = ref.apiVersion ?? '';
    const version = apiVersion.slice(apiVersion.lastIndexOf('/') + 1);
    if (version === '') causes.push(invalid(`${path}.apiVersion`, apiVersion, 'version must not be empty'));
    if (!ref.kind) causes.push(invalid(`${path}.kind`, ref.kind ?? '', 'must not be empty'));
    if (!ref.name) causes.push(invalid(`${path}.name`, ref.name ?? '', 'must not be empty'));
    if (!ref.uid) causes.push(invalid(`${path}.uid`, ref.uid ?? '', 'must not be empty'));
    if (ref.controller === true) {
      const current = `${ref.kind}/${ref.name}`;
      if (firstController !== '') {
        causes.push(
          invalid(
            path,
            new GoRepr(`[]v1.OwnerReference{${(refs ?? []).length} items}`),
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else firstController = current;
    }
  }
  return causes;
}

/** `ValidateFinalizers`: each a qualified name. */
export function validateFinalizers(finalizers: string[] | undefined, path: string): Cause[] {
  return (finalizers ?? []).flatMap((f) => isQualifiedName(f).map((m) => invalid(path, f, m)));
}

/**
 * `ValidateObjectMeta`: name (or generateName) through the kind's name rule, namespace presence, labels,
 * annotations, owner references and finalizers.
 */
export function validateObjectMeta(
  meta: ObjectMeta | undefined,
  requiresNamespace: boolean,
  nameFn: NameValidator,
  path = 'metadata',
): Cause[] {
  const m = meta ?? {};
  const causes: Cause[] = [];
  if (m.generateName) {
    for (const msg of nameFn(m.generateName, true))
      causes.push(invalid(`${path}.generateName`, m.generateName, msg));
  }
  if (!m.name) causes.push(required(`${path}.name`, 'name or generateName is required'));
  else for (const msg of nameFn(m.name, false)) causes.push(invalid(`${path}.name`, m.name, msg));
  if (requiresNamespace) {
    if (!m.namespace) causes.push(required(`${path}.namespace`, ''));
    else
      for (const msg of nameIsDNSLabel(m.namespace, false))
        causes.push(invalid(`${path}.namespace`, m.namespace, msg));
  } else if (m.namespace) {
    causes.push(forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  causes.push(...validateNonnegative(m.generation, `${path}.generation`));
  causes.push(...validateLabels(m.labels, `${path}.labels`));
  causes.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  causes.push(...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`));
  causes.push(...validateFinalizers(m.finalizers, `${path}.finalizers`));
  return causes;
}

/**
 * `ValidateObjectMetaUpdate`: identity fields are immutable, generation never decreases, no finalizer may be
 * added once deletion started; the new labels/annotations must be valid. (The resourceVersion precondition is
 * the server's business: it fills the stored version in before validating unconditional updates.)
 */
export function validateObjectMetaUpdate(
  newMeta: ObjectMeta,
  oldMeta: ObjectMeta,
  path = 'metadata',
): Cause[] {
  const causes: Cause[] = [];
  if (oldMeta.deletionTimestamp !== undefined) {
    const old = new Set(oldMeta.finalizers ?? []);
    const added = (newMeta.finalizers ?? []).filter((f) => !old.has(f));
    if (added.length > 0) {
      causes.push(
        forbidden(
          `${path}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added)}`,
        ),
      );
    }
  }
  if ((newMeta.generation ?? 0) < (oldMeta.generation ?? 0)) {
    causes.push(invalid(`${path}.generation`, newMeta.generation ?? 0, 'must not be decremented'));
  }
  causes.push(...validateImmutable(newMeta.name ?? '', oldMeta.name ?? '', `${path}.name`));
  causes.push(...validateImmutable(newMeta.namespace ?? '', oldMeta.namespace ?? '', `${path}.namespace`));
  causes.push(...validateImmutable(newMeta.uid ?? '', oldMeta.uid ?? '', `${path}.uid`));
  causes.push(
    ...validateImmutable(
      newMeta.creationTimestamp ?? null,
      oldMeta.creationTimestamp ?? null,
      `${path}.creationTimestamp`,
    ),
  );
  causes.push(
    ...validateImmutable(
      newMeta.deletionTimestamp ?? null,
      oldMeta.deletionTimestamp ?? null,
      `${path}.deletionTimestamp`,
    ),
  );
  causes.push(
    ...validateImmutable(
      newMeta.deletionGracePeriodSeconds ?? null,
      oldMeta.deletionGracePeriodSeconds ?? null,
      `${path}.deletionGracePeriodSeconds`,
    ),
  );
  causes.push(...validateLabels(newMeta.labels, `${path}.labels`));
  causes.push(...validateAnnotations(newMeta.annotations, `${path}.annotations`));
  causes.push(...validateOwnerReferences(newMeta.ownerReferences, `${path}.ownerReferences`));
  return causes;
}

/** `ValidateLabelSelector` (strict: values must be valid label values). */
export function validateLabelSelector(selector: LabelSelector | undefined, path: string): Cause[] {
  if (selector === undefined || selector === null) return [];
  const causes = validateLabels(selector.matchLabels, `${path}.matchLabels`);
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          causes.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          causes.push(
            forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
          );
        }
        break;
      default:
        causes.push(invalid(`${p}.operator`, expr.operator ?? '', 'not a valid selector operator'));
    }
    causes.push(...validateLabelName(expr.key ?? '', `${p}.key`));
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(v)) causes.push(invalid(`${p}.values[${j}]`, v, m));
    });
  });
  return causes;
}

/**
 * `%#v` of a `v1.LabelSelector`, as Kubernetes prints it in `spec.selector: Invalid value: ...` messages:
 * `v1.LabelSelector{MatchLabels:map[string]string{"app":"nginx"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`.
 */
export function goLabelSelector(selector: LabelSelector | undefined): GoRepr {
  if (selector === undefined || selector === null) return new GoRepr('null');
  const exprs = selector.matchExpressions;
  const exprText =
    exprs === undefined || exprs === null
      ? '[]v1.LabelSelectorRequirement(nil)'
      : `[]v1.LabelSelectorRequirement{${exprs
          .map(
            (e) =>
              `v1.LabelSelectorRequirement{Key:${goQuote(e.key ?? '')}, Operator:${goQuote(e.operator ?? '')}, Values:${goStringSlice(e.values)}}`,
          )
          .join(', ')}}`;
  return new GoRepr(
    `v1.LabelSelector{MatchLabels:${goStringMap(selector.matchLabels)}, MatchExpressions:${exprText}}`,
  );
}
