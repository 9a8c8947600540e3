/**
 * Cluster and config printers (kubernetes/pkg/printers/internalversion, v1.32): Node, Namespace, ConfigMap,
 * Secret, ServiceAccount, Event, Lease, plus the generic Name/Age fallback.
 */
import { arr, count, get, int, isObj, since, str } from './format.js';
import { type Printer, ageColumn, column, nameColumn, wide } from './table.js';

type Obj = Record<string, unknown>;

const name = (o: Obj) => str(get(o, 'metadata', 'name'));
const age = (o: Obj, nowMs: number) => since(get(o, 'metadata', 'creationTimestamp'), nowMs);

/** `findNodeRoles`: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role` values, sorted. */
function nodeRoles(node: Obj): string {
  const roles = new Set<string>();
  const labels = get(node, 'metadata', 'labels');
  for (const [k, v] of Object.entries(isObj(labels) ? labels : {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role !== '') roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(String(v));
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

/** `Ready` / `NotReady` / `Unknown`, plus `SchedulingDisabled` when cordoned. */
function nodeStatus(node: Obj): string {
  const status: string[] = [];
  const ready = arr(get(node, 'status', 'conditions')).find((c) => isObj(c) && c.type === 'Ready');
  if (isObj(ready)) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (get(node, 'spec', 'unschedulable') === true) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeAddress(node: Obj, type: string): string {
  const a = arr(get(node, 'status', 'addresses')).find((x) => isObj(x) && x.type === type);
  return isObj(a) ? str(a.address) : '<none>';
}

const orUnknown = (v: unknown) => str(v) || '<unknown>';

export const nodePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    ageColumn(),
    column('Version', 'Deprecated. Kubelet Version reported by the node.'),
    wide(
      'Internal-IP',
      'List of addresses reachable to the node. Queried from cloud provider, if available.',
    ),
    wide(
      'External-IP',
      'List of addresses reachable to the node. Queried from cloud provider, if available.',
    ),
    wide(
      'OS-Image',
      'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
    ),
    wide(
      'Kernel-Version',
      "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
    ),
    wide(
      'Container-Runtime',
      'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
    ),
  ],
  row(node, nowMs) {
    const info = get(node, 'status', 'nodeInfo');
    return {
      cells: [
        name(node),
        nodeStatus(node),
        nodeRoles(node),
        age(node, nowMs),
        str(get(info, 'kubeletVersion')),
        nodeAddress(node, 'InternalIP'),
        nodeAddress(node, 'ExternalIP'),
        orUnknown(get(info, 'osImage')),
        orUnknown(get(info, 'kernelVersion')),
        orUnknown(get(info, 'containerRuntimeVersion')),
      ],
    };
  },
};

export const namespacePrinter: Printer = {
  columns: [nameColumn(), column('Status', 'The status of the namespace'), ageColumn()],
  row: (ns, nowMs) => ({ cells: [name(ns), str(get(ns, 'status', 'phase')), age(ns, nowMs)] }),
};

export const configMapPrinter: Printer = {
  columns: [
    nameColumn(),
    column(
      'Data',
      "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'.",
    ),
    ageColumn(),
  ],
  row: (cm, nowMs) => ({ cells: [name(cm), count(cm.data) + count(cm.binaryData), age(cm, nowMs)] }),
};

export const secretPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Type', 'Used to facilitate programmatic handling of secret data.'),
    column(
      'Data',
      "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'.",
    ),
    ageColumn(),
  ],
  row: (s, nowMs) => ({ cells: [name(s), str(s.type), count(s.data), age(s, nowMs)] }),
};

export const serviceAccountPrinter: Printer = {
  columns: [
    nameColumn(),
    column(
      'Secrets',
      'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
    ),
    ageColumn(),
  ],
  row: (sa, nowMs) => ({ cells: [name(sa), arr(sa.secrets).length, age(sa, nowMs)] }),
};

/** `formatEventSource`: component (or reportingController), then `, host` (or reportingInstance). */
function eventSource(ev: Obj): string {
  const component = str(get(ev, 'source', 'component')) || str(ev.reportingController);
  const host = str(get(ev, 'source', 'host')) || str(ev.reportingInstance);
  return host === '' ? component : `${component}, ${host}`;
}

export const eventPrinter: Printer = {
  columns: [
    column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column(
      'Reason',
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    column('Object', 'The object that this event is about.'),
    wide(
      'Subobject',
      'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].',
    ),
    wide('Source', 'The component reporting this event. Should be a short machine understandable string.'),
    column('Message', 'A human-readable description of the status of this operation.'),
    wide(
      'First Seen',
      'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
    ),
    wide('Count', 'The number of times this event has occurred.'),
    column('Name', 'Name must be unique within a namespace.', { format: 'name', priority: 1 }),
  ],
  row(ev, nowMs) {
    let first = since(ev.firstTimestamp, nowMs);
    if (first === '<unknown>') first = since(ev.eventTime, nowMs);
    let last = since(ev.lastTimestamp, nowMs);
    if (last === '<unknown>') last = first;
    let n = int(ev.count);
    if (isObj(ev.series)) {
      last = since(ev.series.lastObservedTime, nowMs);
      n = int(ev.series.count);
    } else if (n === 0) {
      n = 1;
    }
    const kind = str(get(ev, 'involvedObject', 'kind')).toLowerCase();
    const involved = str(get(ev, 'involvedObject', 'name'));
    return {
      cells: [
        last,
        str(ev.type),
        str(ev.reason),
        involved === '' ? kind : `${kind}/${involved}`,
        str(get(ev, 'involvedObject', 'fieldPath')),
        eventSource(ev),
        str(ev.message).trim(),
        first,
        n,
        name(ev),
      ],
    };
  },
};

export const leasePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Holder', 'holderIdentity contains the identity of the holder of a current lease.'),
    ageColumn(),
  ],
  row: (l, nowMs) => ({ cells: [name(l), str(get(l, 'spec', 'holderIdentity')), age(l, nowMs)] }),
};

/** Kinds without a Kubernetes printer: Name and Age. */
export const genericPrinter: Printer = {
  columns: [nameColumn(), ageColumn()],
  row: (o, nowMs) => ({ cells: [name(o), age(o, nowMs)] }),
};
