/**
 * The Pod printer: kubernetes/pkg/printers/internalversion printPod (v1.32), including the status reason
 * logic kubectl users know (Init:0/1, Init:CrashLoopBackOff, PodInitializing, ContainerCreating,
 * CrashLoopBackOff, Completed, NotReady, Terminating, Unknown for NodeLost), sidecar (restartable init
 * container) counting, and restarts with "(5m ago)".
 */
import { arr, get, humanDuration, int, isObj, parseTime, since, str } from './format.js';
import { type Printer, type TableRowCondition, ageColumn, column, nameColumn, wide } from './table.js';

type Obj = Record<string, unknown>;

const SUCCEEDED: readonly TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
];
const FAILED: readonly TableRowCondition[] = [
  { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
];

/** `podutil.IsRestartableInitContainer`: an init container with `restartPolicy: Always` (a sidecar). */
const isRestartable = (c: unknown): boolean => isObj(c) && c.restartPolicy === 'Always';

const hasCondition = (conditions: unknown, type: string): boolean =>
  arr(conditions).some((c) => isObj(c) && c.type === type && c.status === 'True');

/** Tracks the latest `lastState.terminated.finishedAt` of the containers that count. */
class LastRestart {
  ms: number | undefined;
  note(status: Obj): void {
    const t = parseTime(get(status, 'lastState', 'terminated', 'finishedAt'));
    if (t !== undefined && (this.ms === undefined || t > this.ms)) this.ms = t;
  }
}

interface PodSummary {
  ready: number;
  total: number;
  reason: string;
  restarts: number;
  lastRestart: LastRestart;
}

/** The init-container pass: sidecars add to the totals; the first unfinished one names the reason. */
function scanInitContainers(
  pod: Obj,
  s: PodSummary,
): { initializing: boolean; sidecarRestarts: number; sidecarLast: LastRestart } {
  const specs = arr(get(pod, 'spec', 'initContainers')).filter(isObj);
  const byName = new Map(specs.map((c) => [str(c.name), c]));
  const sidecarLast = new LastRestart();
  let sidecarRestarts = 0;
  let initializing = false;
  const statuses = arr(get(pod, 'status', 'initContainerStatuses')).filter(isObj);
  for (const [i, c] of statuses.entries()) {
    const restartable = isRestartable(byName.get(str(c.name)));
    s.restarts += int(c.restartCount);
    s.lastRestart.note(c);
    if (restartable) {
      sidecarRestarts += int(c.restartCount);
      sidecarLast.note(c);
    }
    const terminated = get(c, 'state', 'terminated');
    const waiting = get(c, 'state', 'waiting');
    if (isObj(terminated) && int(terminated.exitCode) === 0) continue;
    if (restartable && c.started === true) {
      if (c.ready === true) s.ready++;
      continue;
    }
    if (isObj(terminated)) {
      const reason = str(terminated.reason);
      if (reason === '') {
        s.reason =
          int(terminated.signal) !== 0
            ? `Init:Signal:${int(terminated.signal)}`
            : `Init:ExitCode:${int(terminated.exitCode)}`;
      } else {
        s.reason = `Init:${reason}`;
      }
    } else if (isObj(waiting) && str(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      s.reason = `Init:${str(waiting.reason)}`;
    } else {
      s.reason = `Init:${i}/${specs.length}`;
    }
    initializing = true;
    break;
  }
  return { initializing, sidecarRestarts, sidecarLast };
}

/** The regular-container pass, last to first: the last container with a reason wins, as in printPod. */
function scanContainers(pod: Obj, s: PodSummary): void {
  const statuses = arr(get(pod, 'status', 'containerStatuses')).filter(isObj);
  let hasRunning = false;
  for (let i = statuses.length - 1; i >= 0; i--) {
    const c = statuses[i] as Obj;
    s.restarts += int(c.restartCount);
    s.lastRestart.note(c);
    const waiting = get(c, 'state', 'waiting');
    const terminated = get(c, 'state', 'terminated');
    if (isObj(waiting) && str(waiting.reason) !== '') {
      s.reason = str(waiting.reason);
    } else if (isObj(terminated) && str(terminated.reason) !== '') {
      s.reason = str(terminated.reason);
    } else if (isObj(terminated)) {
      s.reason =
        int(terminated.signal) !== 0
          ? `Signal:${int(terminated.signal)}`
          : `ExitCode:${int(terminated.exitCode)}`;
    } else if (c.ready === true && isObj(get(c, 'state', 'running'))) {
      hasRunning = true;
      s.ready++;
    }
  }
  if (s.reason === 'Completed' && hasRunning) {
    s.reason = hasCondition(get(pod, 'status', 'conditions'), 'Ready') ? 'Running' : 'NotReady';
  }
}

/** Ready "n/m", Status reason, Restarts and the time of the last restart, as printPod computes them. */
export function summarizePod(pod: Obj): {
  ready: string;
  reason: string;
  restarts: number;
  lastRestartMs?: number;
} {
  const phase = str(get(pod, 'status', 'phase'));
  const specInit = arr(get(pod, 'spec', 'initContainers'));
  const s: PodSummary = {
    ready: 0,
    total: arr(get(pod, 'spec', 'containers')).length + specInit.filter(isRestartable).length,
    reason: str(get(pod, 'status', 'reason')) || phase,
    restarts: 0,
    lastRestart: new LastRestart(),
  };
  for (const c of arr(get(pod, 'status', 'conditions'))) {
    if (isObj(c) && c.type === 'PodScheduled' && c.reason === 'SchedulingGated') s.reason = 'SchedulingGated';
  }
  const init = scanInitContainers(pod, s);
  if (!init.initializing || hasCondition(get(pod, 'status', 'conditions'), 'Initialized')) {
    s.restarts = init.sidecarRestarts;
    s.lastRestart = init.sidecarLast;
    scanContainers(pod, s);
  }
  const deleting =
    get(pod, 'metadata', 'deletionTimestamp') !== undefined &&
    get(pod, 'metadata', 'deletionTimestamp') !== null;
  if (deleting && get(pod, 'status', 'reason') === 'NodeLost') s.reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') s.reason = 'Terminating';
  return {
    ready: `${s.ready}/${s.total}`,
    reason: s.reason,
    restarts: s.restarts,
    ...(s.lastRestart.ms !== undefined ? { lastRestartMs: s.lastRestart.ms } : {}),
  };
}

function readinessGates(pod: Obj): string {
  const gates = arr(get(pod, 'spec', 'readinessGates')).filter(isObj);
  if (gates.length === 0) return '<none>';
  const conditions = arr(get(pod, 'status', 'conditions')).filter(isObj);
  let trueCount = 0;
  for (const g of gates) {
    const c = conditions.find((x) => x.type === g.conditionType);
    if (c?.status === 'True') trueCount++;
  }
  return `${trueCount}/${gates.length}`;
}

export const podPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    ageColumn(),
    wide(
      'IP',
      'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
    ),
    wide(
      'Node',
      'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName.',
    ),
    wide(
      'Nominated Node',
      'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.',
    ),
    wide(
      'Readiness Gates',
      'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True"',
    ),
  ],
  row(pod, nowMs) {
    const s = summarizePod(pod);
    const restarts =
      s.restarts !== 0 && s.lastRestartMs !== undefined
        ? `${s.restarts} (${humanDuration(nowMs - s.lastRestartMs)} ago)`
        : String(s.restarts);
    const podIPs = arr(get(pod, 'status', 'podIPs')).filter(isObj);
    const ip = str(podIPs[0]?.ip) || '<none>';
    const phase = get(pod, 'status', 'phase');
    return {
      cells: [
        str(get(pod, 'metadata', 'name')),
        s.ready,
        s.reason,
        restarts,
        since(get(pod, 'metadata', 'creationTimestamp'), nowMs),
        ip,
        str(get(pod, 'spec', 'nodeName')) || '<none>',
        str(get(pod, 'status', 'nominatedNodeName')) || '<none>',
        readinessGates(pod),
      ],
      ...(phase === 'Succeeded'
        ? { conditions: SUCCEEDED }
        : phase === 'Failed'
          ? { conditions: FAILED }
          : {}),
    };
  },
};
