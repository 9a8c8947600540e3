/**
 * The kubelet of one process: one or more nodes (one normally, N in hollow mode), a pod informer (pods bound
 * to this process' nodes), a node informer (assigned pod CIDRs), and a work queue of pod keys synced by
 * per-pod {@link PodWorker}s. Event handlers only enqueue `namespace/name` (STYLE.md principle 6).
 */
import {
  type ApiClient,
  DeletedFinalStateUnknown,
  RateLimitingQueue,
  type SharedInformer,
  type SharedInformerFactory,
  isNotFound,
  metaNamespaceKey,
  resources,
  runWorkers,
} from '@kubelab/api-client';
import {
  type ConfigMap,
  type Node,
  type Pod,
  type PodStatus,
  type Secret,
  type Service,
  USAGE_ANNOTATION,
} from '@kubelab/api-types';
import { type Clock, type Timer, repeat } from '@kubelab/clock';
import { rfc3339 } from '@kubelab/controller-kit';
import type { Logger } from '@kubelab/telemetry';
import type { NodeConfig } from '../config.js';
import type { ContainerRuntime } from '../runtime/types.js';
import { RestartBackoff } from './backoff.js';
import type { EnvSnapshot } from './env.js';
import { referencedObjects } from './env.js';
import type { EventRecorder } from './events.js';
import type { HostLocalIpam } from './ipam.js';
import { NodeAgent } from './node-agent.js';
import type { NodeIdentity } from './node-status.js';
import { PodWorker } from './pod-worker.js';

/** One node this kubelet runs. */
export interface NodeSetup {
  readonly id: NodeIdentity;
  readonly runtime: ContainerRuntime;
  readonly events: EventRecorder;
  /** The pod CIDR fallback of this node (hollow nodes each get their own). */
  readonly fallbackPodCIDR: string;
}

export interface KubeletConfig {
  readonly client: ApiClient;
  readonly informers: SharedInformerFactory;
  readonly clock: Clock;
  readonly log: Logger;
  readonly config: NodeConfig;
  readonly nodes: readonly NodeSetup[];
  /** Hollow nodes: no probes, hooks or events; pods go Running and Ready when started. */
  readonly lightweight: boolean;
}

export { USAGE_ANNOTATION };

interface NodeEntry {
  readonly setup: NodeSetup;
  readonly agent: NodeAgent;
  readonly crashBackoff: RestartBackoff;
  readonly imageBackoff: RestartBackoff;
  /** The IPAM instance the stored pod IPs were last re-reserved in (see `#ipamFor`). */
  adopted: HostLocalIpam | undefined;
}

/** Whether an update changed what the kubelet acts on (not only status or bookkeeping). */
function specChanged(old: Pod, p: Pod): boolean {
  return (
    old.metadata.uid !== p.metadata.uid ||
    old.metadata.deletionTimestamp !== p.metadata.deletionTimestamp ||
    old.metadata.deletionGracePeriodSeconds !== p.metadata.deletionGracePeriodSeconds ||
    old.spec.nodeName !== p.spec.nodeName ||
    JSON.stringify(old.spec) !== JSON.stringify(p.spec)
  );
}

/**
 * @example
 * const kubelet = new Kubelet({ client, informers, clock, log, config, nodes: [{ id, runtime, events, fallbackPodCIDR }], lightweight: false });
 * await kubelet.start(signal);
 */
export class Kubelet {
  readonly #c: KubeletConfig;
  readonly #nodes = new Map<string, NodeEntry>();
  readonly #workers = new Map<string, PodWorker>();
  readonly #queue: RateLimitingQueue<string>;
  readonly #pods: SharedInformer<Pod>;
  readonly #nodeInformer: SharedInformer<Node>;
  /** Services of every namespace: the service environment variables of starting containers. */
  readonly #services: SharedInformer<Service>;
  #run: Promise<void> | undefined;
  #synced = false;
  #usageTimer: Timer | undefined;
  /** pod key → the cpu (milli) and the containers last published in its usage annotation. */
  readonly #published = new Map<string, { cpuMilli: number; containers: string }>();

  constructor(c: KubeletConfig) {
    this.#c = c;
    const single = c.nodes.length === 1 ? c.nodes[0]?.id.nodeName : undefined;
    for (const setup of c.nodes) {
      const agent = new NodeAgent({
        client: c.client,
        clock: c.clock,
        log: c.log.child({ node: setup.id.nodeName }),
        id: setup.id,
        runtime: setup.runtime,
        settings: { ...c.config, fallbackPodCIDR: setup.fallbackPodCIDR },
      });
      this.#nodes.set(setup.id.nodeName, {
        setup,
        agent,
        crashBackoff: new RestartBackoff(c.config.crashBackoff),
        imageBackoff: new RestartBackoff(c.config.imageBackoff),
        adopted: undefined,
      });
    }
    this.#queue = new RateLimitingQueue<string>({ clock: c.clock, name: 'kubelet-pods' });
    this.#pods = c.informers.informerFor<Pod>(
      resources.pods,
      single ? { fieldSelector: `spec.nodeName=${single}` } : {},
    );
    this.#nodeInformer = c.informers.informerFor<Node>(
      resources.nodes,
      single ? { fieldSelector: `metadata.name=${single}` } : {},
    );
    this.#services = c.informers.informerFor<Service>(resources.services);
    this.#pods.addEventHandler(
      {
        onAdd: (p) => this.#enqueuePod(p),
        onUpdate: (old, p) => {
          if (old === p) this.#workers.get(metaNamespaceKey(p))?.resync();
          // The kubelet's own status writes come back as updates; like kubelet's pod config source, only
          // spec and deletion changes (and resyncs) are news for the pod worker.
          if (old === p || specChanged(old, p)) this.#enqueuePod(p);
        },
        onDelete: (p) => this.#queue.add(p instanceof DeletedFinalStateUnknown ? p.key : metaNamespaceKey(p)),
      },
      { resyncPeriodMs: c.config.podResyncMs },
    );
    this.#nodeInformer.addEventHandler({
      onAdd: (n) => this.#nodes.get(n.metadata.name ?? '')?.agent.observeNode(n),
      onUpdate: (_o, n) => this.#nodes.get(n.metadata.name ?? '')?.agent.observeNode(n),
    });
  }

  /** Registers the nodes, waits for the caches, then runs the pod workers until `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([...this.#nodes.values()].map((n) => n.agent.start(signal)));
    if (!(await this.#c.informers.waitForCacheSync(signal))) return;
    this.#synced = true;
    if (!this.#c.lightweight) {
      this.#usageTimer = repeat(this.#c.clock, this.#c.config.usagePeriodMs, () => void this.publishUsage());
    }
    this.#run = runWorkers(this.#queue, this.#c.config.workers, (key) => this.#sync(key), signal, {
      logger: this.#c.log,
    });
  }

  /** Registered and caches synced. */
  ready(): boolean {
    return this.#synced && [...this.#nodes.values()].every((n) => n.agent.registered);
  }

  /** Waits for the workers to finish (after the start signal aborted) and stops every sandbox. */
  async stop(): Promise<void> {
    this.#usageTimer?.cancel();
    for (const n of this.#nodes.values()) n.agent.stop();
    await this.#run;
    await Promise.all([...this.#nodes.values()].map((n) => n.setup.runtime.close()));
  }

  /** The worker of a pod this kubelet runs (node RPC: logs, exec). */
  worker(namespace: string, name: string): PodWorker | undefined {
    return this.#workers.get(`${namespace}/${name}`);
  }

  /** Every worker (usage reports). */
  workers(): PodWorker[] {
    return [...this.#workers.values()];
  }

  /** The agents (tests, health details). */
  agent(nodeName: string): NodeAgent | undefined {
    return this.#nodes.get(nodeName)?.agent;
  }

  details(): Record<string, unknown> {
    return { nodes: this.#nodes.size, pods: this.#workers.size, queue: this.#queue.len() };
  }

  /**
   * Publishes each running pod's emulated usage in its {@link USAGE_ANNOTATION} (for the HPA and the Metrics
   * API), when its CPU moved by at least 10 % (or 5 millicores) since the last time, or a container started or
   * stopped (a sidecar starting after the first publish uses almost no CPU, and was never shown).
   */
  async publishUsage(): Promise<void> {
    for (const w of this.#workers.values()) {
      const u = w.usage();
      const last = this.#published.get(w.key);
      const containers = Object.keys(u.containers).sort().join(',');
      if (containers === '') continue;
      if (
        last !== undefined &&
        last.containers === containers &&
        Math.abs(u.cpuMilli - last.cpuMilli) < Math.max(5, last.cpuMilli * 0.1)
      ) {
        continue;
      }
      const value = JSON.stringify({
        ...u,
        timestamp: rfc3339(this.#c.clock.wallNow()),
        windowSeconds: this.#c.config.usagePeriodMs / 1000,
      });
      try {
        await this.#c.client.patch(
          resources.pods,
          w.pod.metadata.name ?? '',
          { metadata: { annotations: { [USAGE_ANNOTATION]: value } } },
          { namespace: w.pod.metadata.namespace ?? 'default', patchType: 'merge' },
        );
        this.#published.set(w.key, { cpuMilli: u.cpuMilli, containers });
      } catch (err) {
        if (!isNotFound(err)) this.#c.log.debug({ err, pod: w.key }, 'usage not published');
      }
    }
  }

  #enqueuePod(p: Pod): void {
    if (!this.#nodes.has(p.spec.nodeName ?? '')) return;
    const key = metaNamespaceKey(p);
    if (p.metadata.deletionTimestamp) this.#workers.get(key)?.abortInFlight();
    this.#queue.add(key);
  }

  /** Syncs one pod key (the work queue never runs two at once for a key). */
  async #sync(key: string): Promise<void> {
    const pod = this.#pods.lister().getByKey(key);
    let worker = this.#workers.get(key);
    if (worker && (pod === undefined || pod.metadata.uid !== worker.uid)) {
      await worker.sync(undefined);
      this.#forget(key, worker);
      worker = undefined;
    }
    if (pod === undefined) return;
    const node = this.#nodes.get(pod.spec.nodeName ?? '');
    if (node === undefined) return; // bound elsewhere: not ours to run
    if (worker === undefined) {
      const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
      if (terminal && !pod.metadata.deletionTimestamp) return; // finished before this kubelet started
      worker = new PodWorker(pod, this.#workerDeps(node, key));
      this.#workers.set(key, worker);
    }
    await worker.sync(pod);
    if (worker.done) this.#forget(key, worker);
  }

  #forget(key: string, worker: PodWorker): void {
    this.#published.delete(key);
    if (this.#workers.get(key) === worker) this.#workers.delete(key);
    for (const n of this.#nodes.values()) {
      n.crashBackoff.resetPrefix(`${worker.uid}/`);
      n.imageBackoff.resetPrefix(`${worker.uid}/`);
    }
  }

  #workerDeps(node: NodeEntry, key: string): ConstructorParameters<typeof PodWorker>[1] {
    const c = this.#c;
    const id = node.setup.id;
    return {
      nodeName: id.nodeName,
      hostIP: id.nodeIP,
      clock: c.clock,
      log: c.log.child({ pod: key }),
      runtime: node.setup.runtime,
      events: node.setup.events,
      crashBackoff: node.crashBackoff,
      imageBackoff: node.imageBackoff,
      imageBackoffConfig: c.config.imageBackoff,
      ipam: () => this.#ipamFor(node),
      dns: c.lightweight
        ? undefined
        : {
            nameserver: c.config.dns.nameserver,
            port: c.config.dns.port,
            searches: [c.config.dns.clusterDomain],
          },
      allocatable: { cpu: id.capacity.cpu, memory: id.capacity.memory },
      snapshot: (pod) => this.#snapshot(pod),
      enqueue: (delayMs) =>
        delayMs && delayMs > 0 ? this.#queue.addAfter(key, delayMs) : this.#queue.add(key),
      writeStatus: (pod, status) => this.#writeStatus(pod, status),
      confirmDeletion: (pod) => this.#confirmDeletion(pod),
      lightweight: c.lightweight,
      probeTimeScale: c.config.probeTimeScale,
    };
  }

  /**
   * The node's IPAM, with the pod IPs its pods already hold re-reserved the first time a range is known
   * (host-local keeps its allocations on disk; this process keeps them in the pods' status): after a node
   * agent restart every pod keeps its IP when it is still in the range, and no new pod is handed an IP a
   * running pod has. Workers only run once the pod cache synced, so the lister holds every such pod.
   */
  #ipamFor(node: NodeEntry): HostLocalIpam | undefined {
    const ipam = node.agent.ipam();
    if (ipam === undefined || node.adopted === ipam) return ipam;
    node.adopted = ipam;
    const nodeName = node.setup.id.nodeName;
    const pods = this.#pods
      .lister()
      .list()
      .filter(
        (p) =>
          p.spec.nodeName === nodeName && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
      )
      .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
    for (const p of pods) {
      const ip = p.status?.podIP;
      if (!ip || !ipam.contains(ip)) continue;
      if (!ipam.reserve(p.metadata.uid ?? '', ip)) {
        this.#c.log.warn(
          { pod: metaNamespaceKey(p), podIP: ip },
          'stored pod IP already held; the pod gets a new one',
        );
      }
    }
    return ipam;
  }

  /**
   * The ConfigMaps and Secrets the pod refers to, read from the API (missing ones are left out), and the
   * Services the container's service variables come from (from the informer cache, as the kubelet's lister).
   */
  async #snapshot(pod: Pod): Promise<EnvSnapshot> {
    const refs = referencedObjects(pod);
    const namespace = pod.metadata.namespace ?? 'default';
    const fetch = async <T extends ConfigMap | Secret>(ref: typeof resources.configmaps, name: string) => {
      try {
        return [name, await this.#c.client.get<T>(ref, name, { namespace })] as const;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    const cms = await Promise.all([...refs.configMaps].map((n) => fetch<ConfigMap>(resources.configmaps, n)));
    const secrets = await Promise.all([...refs.secrets].map((n) => fetch<Secret>(resources.secrets, n)));
    const lister = this.#services.lister();
    const services = lister.listNamespace(namespace);
    const master = namespace === 'default' ? undefined : lister.get('default', 'kubernetes');
    if (master) services.push(master);
    return {
      configMaps: new Map(cms.filter((x) => x !== undefined)),
      secrets: new Map(secrets.filter((x) => x !== undefined)),
      services,
    };
  }

  async #writeStatus(pod: Pod, status: PodStatus): Promise<void> {
    try {
      await this.#c.client.patch(
        resources.pods,
        pod.metadata.name ?? '',
        { status },
        { namespace: pod.metadata.namespace ?? 'default', subresource: 'status', patchType: 'merge' },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async #confirmDeletion(pod: Pod): Promise<void> {
    try {
      await this.#c.client.delete(resources.pods, pod.metadata.name ?? '', {
        namespace: pod.metadata.namespace ?? 'default',
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid ?? '' },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
