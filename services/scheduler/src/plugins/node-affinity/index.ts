/**
 * NodeAffinity (kube-scheduler plugins/nodeaffinity). Filter: the pod's `nodeSelector` (every label equal) and its
 * required node affinity (any term; within a term every expression and field requirement) must match the node.
 * Score: the summed weights of the preferred terms the node matches, normalized so the best node gets 100.
 * Requirements are compiled once per cycle in PreFilter.
 */
import type { NodeSelectorRequirement, NodeSelectorTerm } from '@kubelab/api-types';
import {
  type CycleState,
  type FilterPlugin,
  type PreFilterPlugin,
  type ScorePlugin,
  defaultNormalizeScore,
} from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, newStatus } from '../../framework/status.js';

export const NAME = 'NodeAffinity';
export const ErrReasonPod = "node(s) didn't match Pod's node affinity/selector";
const STATE_KEY = `PreFilter${NAME}`;
const REJECTED = newStatus(Code.UnschedulableAndUnresolvable, NAME, ErrReasonPod);

/** Whether a node (its labels and name) satisfies something. */
type NodeMatcher = (labels: Readonly<Record<string, string>>, name: string) => boolean;

const never: NodeMatcher = () => false;

function intOf(s: string | undefined): number | undefined {
  return s !== undefined && /^-?\d+$/.test(s) ? Number(s) : undefined;
}

/** One requirement over a value (a label's, or the node's name for matchFields); undefined = absent. */
function compileRequirement(r: NodeSelectorRequirement): (v: string | undefined) => boolean {
  const values = new Set(r.values ?? []);
  switch (r.operator) {
    case 'In':
      return (v) => v !== undefined && values.has(v);
    case 'NotIn':
      return (v) => v === undefined || !values.has(v);
    case 'Exists':
      return (v) => v !== undefined;
    case 'DoesNotExist':
      return (v) => v === undefined;
    case 'Gt':
    case 'Lt': {
      const bound = r.values?.length === 1 ? intOf(r.values[0]) : undefined;
      if (bound === undefined) return () => false;
      return (v) => {
        const n = intOf(v);
        return n !== undefined && (r.operator === 'Gt' ? n > bound : n < bound);
      };
    }
    default:
      return () => false;
  }
}

/** A term: all of its expressions and fields; an empty term matches nothing (as in Kubernetes). */
export function compileTerm(term: NodeSelectorTerm): NodeMatcher {
  const exprs = (term.matchExpressions ?? []).map((r) => ({ key: r.key, test: compileRequirement(r) }));
  const fields = (term.matchFields ?? []).map((r) => ({
    // Only metadata.name is a supported field (In/NotIn).
    ok: r.key === 'metadata.name' && (r.operator === 'In' || r.operator === 'NotIn'),
    test: compileRequirement(r),
  }));
  if (exprs.length === 0 && fields.length === 0) return never;
  return (labels, name) => {
    for (const e of exprs) if (!e.test(labels[e.key])) return false;
    for (const f of fields) if (!f.ok || !f.test(name)) return false;
    return true;
  };
}

interface PreState {
  /** nodeSelector and required affinity together; undefined when the pod has neither. */
  readonly required: NodeMatcher | undefined;
  readonly preferred: readonly { readonly weight: number; readonly match: NodeMatcher }[];
}

function compile(pod: PodInfo): PreState {
  const spec = pod.pod.spec;
  const parts: NodeMatcher[] = [];
  const selector = Object.entries(spec?.nodeSelector ?? {});
  if (selector.length > 0) {
    parts.push((labels) => {
      for (const [k, v] of selector) if (labels[k] !== v) return false;
      return true;
    });
  }
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) {
    const terms = (required.nodeSelectorTerms ?? []).map(compileTerm);
    parts.push((labels, name) => terms.some((t) => t(labels, name)));
  }
  const preferred = (spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
    .filter((p) => p.weight !== 0)
    .map((p) => ({ weight: p.weight, match: compileTerm(p.preference) }));
  return {
    required: parts.length === 0 ? undefined : (l, n) => parts.every((p) => p(l, n)),
    preferred,
  };
}

function pre(state: CycleState, pod: PodInfo): PreState {
  return state.readOrCompute(STATE_KEY, () => compile(pod));
}

export const nodeAffinity = {
  name: NAME,
  preFilter(state: CycleState, pod: PodInfo) {
    pre(state, pod);
    return undefined;
  },
  filter(state: CycleState, pod: PodInfo, node: NodeInfo) {
    const required = pre(state, pod).required;
    if (required === undefined || required(node.facts.labels, node.name)) return undefined;
    return REJECTED;
  },
  score(state: CycleState, pod: PodInfo, node: NodeInfo) {
    let sum = 0;
    for (const p of pre(state, pod).preferred) if (p.match(node.facts.labels, node.name)) sum += p.weight;
    return sum;
  },
  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array) {
    defaultNormalizeScore(scores, false);
  },
} satisfies PreFilterPlugin & FilterPlugin & ScorePlugin;
