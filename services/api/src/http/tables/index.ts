/**
 * Server-side printing: objects and lists → meta.k8s.io Tables, as kube-apiserver answers
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (KUBECTL.md §3). Rows carry the object as
 * PartialObjectMetadata (`--show-labels`, `-L`, `-A` read it), the whole object with `includeObject=Object`
 * (`--sort-by`), or nothing with `includeObject=None`.
 */
import {
  configMapPrinter,
  eventPrinter,
  genericPrinter,
  leasePrinter,
  namespacePrinter,
  nodePrinter,
  secretPrinter,
  serviceAccountPrinter,
} from './cluster.js';
import { get, isObj } from './format.js';
import { hpaPrinter } from './hpa.js';
import { endpointSlicePrinter, endpointsPrinter, ingressPrinter, servicePrinter } from './network.js';
import { podPrinter } from './pod.js';
import type { Printer, Table, TableRow } from './table.js';
import {
  controllerRevisionPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  jobPrinter,
  replicaSetPrinter,
  replicationControllerPrinter,
  scalePrinter,
  statefulSetPrinter,
} from './workloads.js';

export type { Table, TableColumnDefinition, TableRow } from './table.js';
export { humanDuration } from './format.js';
export { summarizePod } from './pod.js';

const PRINTERS: ReadonlyMap<string, Printer> = new Map([
  ['/Pod', podPrinter],
  ['/ReplicationController', replicationControllerPrinter],
  ['/Service', servicePrinter],
  ['/Endpoints', endpointsPrinter],
  ['/Node', nodePrinter],
  ['/Namespace', namespacePrinter],
  ['/ConfigMap', configMapPrinter],
  ['/Secret', secretPrinter],
  ['/ServiceAccount', serviceAccountPrinter],
  ['/Event', eventPrinter],
  ['apps/Deployment', deploymentPrinter],
  ['apps/ReplicaSet', replicaSetPrinter],
  ['apps/StatefulSet', statefulSetPrinter],
  ['apps/DaemonSet', daemonSetPrinter],
  ['apps/ControllerRevision', controllerRevisionPrinter],
  ['autoscaling/HorizontalPodAutoscaler', hpaPrinter],
  ['autoscaling/Scale', scalePrinter],
  ['batch/Job', jobPrinter],
  ['networking.k8s.io/Ingress', ingressPrinter],
  ['coordination.k8s.io/Lease', leasePrinter],
  ['discovery.k8s.io/EndpointSlice', endpointSlicePrinter],
]);

/** The printer of a group and kind; Name/Age for kinds Kubernetes has none for. */
export function printerFor(group: string, kind: string): Printer {
  return PRINTERS.get(`${group}/${kind}`) ?? genericPrinter;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** `v1` or `v1beta1` (same shape, different apiVersion). */
  readonly version: 'v1' | 'v1beta1';
  readonly includeObject: IncludeObject;
  /** Wall-clock now, for ages. */
  readonly nowMs: number;
  /** Omit columnDefinitions (watch events after the first). */
  readonly noHeaders?: boolean;
}

/** The kind being printed, and the apiVersion/kind to stamp on list items that lack them. */
export interface TableTarget {
  readonly group: string;
  readonly kind: string;
  readonly apiVersion: string;
}

/** `includeObject` from the query (Kubernetes' default is Metadata). */
export function includeObjectOf(value: string | undefined): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

function rowObject(obj: Record<string, unknown>, target: TableTarget, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return { apiVersion: target.apiVersion, kind: target.kind, ...obj };
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: isObj(obj.metadata) ? obj.metadata : {},
  };
}

function toRow(
  printer: Printer,
  obj: Record<string, unknown>,
  target: TableTarget,
  o: TableOptions,
): TableRow {
  const printed = printer.row(obj, o.nowMs);
  const object = rowObject(obj, target, o.includeObject);
  return {
    cells: printed.cells,
    ...(printed.conditions ? { conditions: printed.conditions } : {}),
    ...(object !== undefined ? { object } : {}),
  };
}

/** Whether a body is a `*List` (an `items` array). */
export function isList(body: unknown): body is { items: unknown[]; metadata?: Record<string, unknown> } {
  return isObj(body) && Array.isArray(body.items);
}

/**
 * A Table for a list or a single object of `target`'s kind.
 *
 * @example
 * toTable(podList, { group: '', kind: 'Pod', apiVersion: 'v1' }, { version: 'v1', includeObject: 'Metadata', nowMs });
 */
export function toTable(body: unknown, target: TableTarget, o: TableOptions): Table {
  const printer = printerFor(target.group, target.kind);
  const items = isList(body) ? body.items.filter(isObj) : isObj(body) ? [body] : [];
  const meta = isList(body) ? (isObj(body.metadata) ? body.metadata : {}) : {};
  const metadata: Table['metadata'] = {};
  const rv = isList(body) ? meta.resourceVersion : get(body, 'metadata', 'resourceVersion');
  if (typeof rv === 'string' && rv !== '') metadata.resourceVersion = rv;
  if (typeof meta.continue === 'string' && meta.continue !== '') metadata.continue = meta.continue;
  if (typeof meta.remainingItemCount === 'number') metadata.remainingItemCount = meta.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${o.version}`,
    metadata,
    columnDefinitions: o.noHeaders ? [] : printer.columns,
    rows: items.map((item) => toRow(printer, item, target, o)),
  };
}
