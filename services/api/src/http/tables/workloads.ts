/**
 * Workload printers (kubernetes/pkg/printers/internalversion, v1.32): Deployment, ReplicaSet,
 * ReplicationController, StatefulSet, DaemonSet, Job, ControllerRevision, Scale.
 */
import {
  arr,
  containerCells,
  formatLabelSelector,
  formatLabels,
  get,
  humanDuration,
  int,
  isObj,
  parseTime,
  selectorString,
  since,
  str,
} from './format.js';
import {
  CONTAINERS_DESCRIPTION,
  IMAGES_DESCRIPTION,
  type Printer,
  ageColumn,
  column,
  nameColumn,
  wide,
} from './table.js';

type Obj = Record<string, unknown>;

const name = (o: Obj) => str(get(o, 'metadata', 'name'));
const age = (o: Obj, nowMs: number) => since(get(o, 'metadata', 'creationTimestamp'), nowMs);
const templateContainers = (o: Obj) => containerCells(get(o, 'spec', 'template', 'spec', 'containers'));
const SELECTOR_DESCRIPTION =
  'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.';
/** `*int32` replicas default to 1 when unset (the apps/v1 defaulting), which the stored object has applied. */
const replicas = (o: Obj) =>
  typeof get(o, 'spec', 'replicas') === 'number' ? int(get(o, 'spec', 'replicas')) : 1;

export const deploymentPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Ready', 'Number of the pod with ready state'),
    column(
      'Up-to-date',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    ),
    column(
      'Available',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    ),
    ageColumn(),
    wide('Containers', CONTAINERS_DESCRIPTION),
    wide('Images', IMAGES_DESCRIPTION),
    wide('Selector', SELECTOR_DESCRIPTION),
  ],
  row(o, nowMs) {
    const [containers, images] = templateContainers(o);
    return {
      cells: [
        name(o),
        `${int(get(o, 'status', 'readyReplicas'))}/${replicas(o)}`,
        int(get(o, 'status', 'updatedReplicas')),
        int(get(o, 'status', 'availableReplicas')),
        age(o, nowMs),
        containers,
        images,
        selectorString(get(o, 'spec', 'selector')),
      ],
    };
  },
};

const replicaColumns = (selectorDescription: string) => [
  nameColumn(),
  column('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
  column('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
  column('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
  ageColumn(),
  wide('Containers', CONTAINERS_DESCRIPTION),
  wide('Images', IMAGES_DESCRIPTION),
  wide('Selector', selectorDescription),
];

/** The row of a replica-holding controller: ReplicaSet (LabelSelector) and ReplicationController (map). */
function replicaRow(formatSelector: (sel: unknown) => string): Printer['row'] {
  return (o, nowMs) => {
    const [containers, images] = templateContainers(o);
    return {
      cells: [
        name(o),
        replicas(o),
        int(get(o, 'status', 'replicas')),
        int(get(o, 'status', 'readyReplicas')),
        age(o, nowMs),
        containers,
        images,
        formatSelector(get(o, 'spec', 'selector')),
      ],
    };
  };
}

export const replicaSetPrinter: Printer = {
  columns: replicaColumns('Selector is a label query over pods that should match the replica count.'),
  row: replicaRow((sel) => formatLabelSelector(sel as never)),
};

export const replicationControllerPrinter: Printer = {
  columns: replicaColumns(
    'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template.',
  ),
  row: replicaRow((sel) => formatLabels(sel as never)),
};

export const statefulSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Ready', 'Number of the pod with ready state'),
    ageColumn(),
    wide('Containers', CONTAINERS_DESCRIPTION),
    wide('Images', IMAGES_DESCRIPTION),
  ],
  row(o, nowMs) {
    const [containers, images] = templateContainers(o);
    return {
      cells: [
        name(o),
        `${int(get(o, 'status', 'readyReplicas'))}/${replicas(o)}`,
        age(o, nowMs),
        containers,
        images,
      ],
    };
  },
};

export const daemonSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Desired', 'The total number of nodes that should be running the daemon pod.', {
      type: 'integer',
    }),
    column(
      'Current',
      'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.',
      {
        type: 'integer',
      },
    ),
    column(
      'Ready',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.',
      {
        type: 'integer',
      },
    ),
    column('Up-to-date', 'The total number of nodes that are running updated daemon pod', {
      type: 'integer',
    }),
    column(
      'Available',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
      {
        type: 'integer',
      },
    ),
    column(
      'Node Selector',
      "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node.",
    ),
    ageColumn(),
    wide('Containers', CONTAINERS_DESCRIPTION),
    wide('Images', IMAGES_DESCRIPTION),
    wide('Selector', 'A label query over pods that are managed by the daemon set.'),
  ],
  row(o, nowMs) {
    const [containers, images] = templateContainers(o);
    return {
      cells: [
        name(o),
        int(get(o, 'status', 'desiredNumberScheduled')),
        int(get(o, 'status', 'currentNumberScheduled')),
        int(get(o, 'status', 'numberReady')),
        int(get(o, 'status', 'updatedNumberScheduled')),
        int(get(o, 'status', 'numberAvailable')),
        formatLabels(get(o, 'spec', 'template', 'spec', 'nodeSelector')),
        age(o, nowMs),
        containers,
        images,
        formatLabelSelector(get(o, 'spec', 'selector')),
      ],
    };
  },
};

const jobCondition = (o: Obj, type: string): boolean => {
  const c = arr(get(o, 'status', 'conditions')).find((x) => isObj(x) && x.type === type);
  return isObj(c) && c.status === 'True';
};

function jobStatus(o: Obj): string {
  if (jobCondition(o, 'Complete')) return 'Complete';
  if (jobCondition(o, 'Failed')) return 'Failed';
  if (get(o, 'metadata', 'deletionTimestamp')) return 'Terminating';
  if (jobCondition(o, 'Suspended')) return 'Suspended';
  if (jobCondition(o, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(o: Obj): string {
  const succeeded = int(get(o, 'status', 'succeeded'));
  const completions = get(o, 'spec', 'completions');
  if (typeof completions === 'number') return `${succeeded}/${completions}`;
  const parallelism = int(get(o, 'spec', 'parallelism'));
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(o: Obj, nowMs: number): string {
  const start = parseTime(get(o, 'status', 'startTime'));
  if (start === undefined) return '';
  const end = parseTime(get(o, 'status', 'completionTime'));
  return humanDuration((end ?? nowMs) - start);
}

export const jobPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'Status of the job.'),
    column('Completions', 'The number of pods which reached phase Succeeded.'),
    column('Duration', 'Time required to complete the job.'),
    ageColumn(),
    wide('Containers', CONTAINERS_DESCRIPTION),
    wide('Images', IMAGES_DESCRIPTION),
    wide('Selector', 'A label query over pods that should match the pod count.'),
  ],
  row(o, nowMs) {
    const [containers, images] = templateContainers(o);
    return {
      cells: [
        name(o),
        jobStatus(o),
        jobCompletions(o),
        jobDuration(o, nowMs),
        age(o, nowMs),
        containers,
        images,
        formatLabelSelector(get(o, 'spec', 'selector')),
      ],
    };
  },
};

/** `formatResourceName(GroupKind, name, true)`: `statefulset.apps/web`, `<none>` without a controller. */
function controllerOf(o: Obj): string {
  const ref = arr(get(o, 'metadata', 'ownerReferences')).find((r) => isObj(r) && r.controller === true);
  if (!isObj(ref)) return '<none>';
  const apiVersion = str(ref.apiVersion);
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const kind = str(ref.kind);
  if (kind === '' && group === '') return str(ref.name);
  return `${(group === '' ? kind : `${kind}.${group}`).toLowerCase()}/${str(ref.name)}`;
}

export const controllerRevisionPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Controller', 'Controller of the object'),
    column('Revision', 'Revision indicates the revision of the state represented by Data.'),
    ageColumn(),
  ],
  row: (o, nowMs) => ({ cells: [name(o), controllerOf(o), int(o.revision), age(o, nowMs)] }),
};

export const scalePrinter: Printer = {
  columns: [
    column('Name', 'Name must be unique within a namespace.'),
    column('Desired', 'replicas is the desired number of instances for the scaled object.', {
      type: 'integer',
    }),
    column('Available', 'replicas is the actual number of observed instances of the scaled object.', {
      type: 'integer',
    }),
    ageColumn(),
  ],
  row: (o, nowMs) => ({
    cells: [name(o), int(get(o, 'spec', 'replicas')), int(get(o, 'status', 'replicas')), age(o, nowMs)],
  }),
};
