/**
 * The reconciler from rules to real listeners (kube-proxy's `syncProxyRules`, with sockets instead of
 * iptables): {@link Proxier.apply} takes the whole desired rule set, opens a listener for every rule with
 * backends, hands new backends to the existing ones, and closes the listeners of rules that are gone or have no
 * backends left (a closed port refuses connections, as iptables' REJECT does).
 *
 * Shared address space: in the process cluster every node's proxy lives in one network namespace, so only one
 * of them can bind a ClusterIP:port. A bind failing with EADDRINUSE means another node serves that frontend;
 * the proxier keeps the rule as `contended` and retries every `bindRetryMs` (with jitter), so when that node
 * dies another one takes over. Under Docker Compose each node has its own namespace and binds everything.
 */
import type { Clock, Rng, Timer } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import { type ProxyRule, backendKey } from './rules.js';
import { type FrontendStats, TcpFrontend } from './tcp-frontend.js';
import { UdpFrontend } from './udp-frontend.js';

/** What the proxier needs. */
export interface ProxierConfig {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly logger: Logger;
  /** How often a frontend that could not be bound is tried again (default 2000). */
  readonly bindRetryMs?: number;
  /** How long a TCP backend may take to accept (default 3000). */
  readonly connectTimeoutMs?: number;
  /** How long an idle UDP flow lives (default 30000, conntrack's UDP timeout). */
  readonly udpIdleTimeoutMs?: number;
}

/** Where a frontend stands. */
export const ListenerState = {
  /** The bind is in flight. */
  Binding: 'Binding',
  /** This proxier listens on it. */
  Serving: 'Serving',
  /** Another process holds the address (EADDRINUSE); retrying. */
  Contended: 'Contended',
  /** The bind failed for another reason; retrying. */
  Failed: 'Failed',
} as const;
export type ListenerState = (typeof ListenerState)[keyof typeof ListenerState];

/** One frontend as the proxier sees it. */
export interface ListenerStatus {
  readonly key: string;
  readonly service: string;
  readonly state: ListenerState;
  readonly backends: number;
  readonly stats: Readonly<FrontendStats>;
}

type Frontend = TcpFrontend | UdpFrontend;

interface Entry {
  rule: ProxyRule;
  readonly frontend: Frontend;
  state: ListenerState;
  retry: Timer | undefined;
  /** Settles when the current bind attempt has. */
  binding: Promise<void>;
  /** The error code of the last failed bind (logged once per change). */
  lastError: string | undefined;
}

const PRIVILEGED_PORT_HINT =
  'ports below 1024 need root, CAP_NET_BIND_SERVICE or sysctl net.ipv4.ip_unprivileged_port_start=0';

/** Keeps the listeners equal to the rules. */
export class Proxier {
  readonly #cfg: ProxierConfig;
  readonly #logger: Logger;
  readonly #entries = new Map<string, Entry>();
  /** Frontends whose listener closed but whose connections may still be open; ended on {@link stop}. */
  readonly #retired = new Set<Frontend>();
  #stopped = false;

  constructor(cfg: ProxierConfig) {
    this.#cfg = cfg;
    this.#logger = cfg.logger;
  }

  /** Makes the listeners match `rules` (rules without backends get none). Binds complete in the background. */
  apply(rules: readonly ProxyRule[]): void {
    if (this.#stopped) return;
    for (const frontend of this.#retired) {
      if (frontend.stats.active === 0) this.#retired.delete(frontend);
    }
    const desired = new Map(rules.filter((r) => r.backends.length > 0).map((r) => [r.key, r]));
    for (const [key, entry] of this.#entries) {
      if (!desired.has(key)) this.#remove(key, entry);
    }
    for (const [key, rule] of desired) {
      const entry = this.#entries.get(key);
      if (entry === undefined) this.#add(rule);
      else if (!sameRule(entry.rule, rule)) {
        entry.rule = rule;
        entry.frontend.update(rule);
        this.#logger.debug({ frontend: key, backends: backendList(rule) }, 'proxy rule changed');
      }
    }
  }

  /** Resolves when every bind attempt in flight has settled (for tests and readiness). */
  async settled(): Promise<void> {
    await Promise.all([...this.#entries.values()].map((e) => e.binding));
  }

  /** Every frontend with a rule, sorted by key. */
  listeners(): ListenerStatus[] {
    return [...this.#entries.values()]
      .map((e) => ({
        key: e.rule.key,
        service: e.rule.service,
        state: e.state,
        backends: e.rule.backends.length,
        stats: e.frontend.stats,
      }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Closes every listener and ends every connection; `apply` does nothing afterwards. */
  stop(): void {
    this.#stopped = true;
    for (const [key, entry] of this.#entries) {
      this.#remove(key, entry);
      entry.frontend.destroy();
    }
    for (const frontend of this.#retired) frontend.destroy();
    this.#retired.clear();
  }

  #add(rule: ProxyRule): void {
    const frontend = this.#makeFrontend(rule);
    const entry: Entry = {
      rule,
      frontend,
      state: ListenerState.Binding,
      retry: undefined,
      binding: Promise.resolve(),
      lastError: undefined,
    };
    this.#entries.set(rule.key, entry);
    this.#logger.debug(
      { frontend: rule.key, service: rule.service, backends: backendList(rule) },
      'proxy rule added',
    );
    this.#bind(entry);
  }

  #remove(key: string, entry: Entry): void {
    this.#entries.delete(key);
    entry.retry?.cancel();
    entry.frontend.close();
    if (!this.#stopped && entry.frontend.stats.active > 0) this.#retired.add(entry.frontend);
    this.#logger.debug({ frontend: key, service: entry.rule.service }, 'proxy rule removed');
  }

  #makeFrontend(rule: ProxyRule): Frontend {
    const { clock, rng, logger } = this.#cfg;
    if (rule.protocol === 'UDP') {
      return new UdpFrontend({
        rule,
        clock,
        rng,
        logger,
        idleTimeoutMs: this.#cfg.udpIdleTimeoutMs ?? 30_000,
      });
    }
    return new TcpFrontend({
      rule,
      clock,
      rng,
      logger,
      connectTimeoutMs: this.#cfg.connectTimeoutMs ?? 3_000,
    });
  }

  /** One bind attempt; on failure schedules the next one. */
  #bind(entry: Entry): void {
    entry.retry = undefined;
    entry.binding = entry.frontend.listen().then(
      () => {
        if (this.#entries.get(entry.rule.key) !== entry) {
          entry.frontend.close(); // removed while binding
          return;
        }
        const tookOver = entry.state === ListenerState.Contended;
        entry.state = ListenerState.Serving;
        entry.lastError = undefined;
        this.#logger.debug({ frontend: entry.rule.key, tookOver }, 'proxy listener serving');
      },
      (err: NodeJS.ErrnoException) => {
        if (this.#entries.get(entry.rule.key) !== entry) return;
        const repeated = entry.lastError === err.code;
        entry.lastError = err.code;
        entry.state = err.code === 'EADDRINUSE' ? ListenerState.Contended : ListenerState.Failed;
        if (repeated) {
          // Said already; retries stay quiet until something changes.
        } else if (entry.state === ListenerState.Contended) {
          this.#logger.debug(
            { frontend: entry.rule.key },
            'address in use (another node serves it); will retry',
          );
        } else {
          const hint = err.code === 'EACCES' ? PRIVILEGED_PORT_HINT : undefined;
          this.#logger.warn({ err, frontend: entry.rule.key, hint }, 'proxy listener failed; will retry');
        }
        this.#scheduleRetry(entry);
      },
    );
  }

  /** Tries the bind again after `bindRetryMs` plus up to 20% jitter (so nodes do not retry in lockstep). */
  #scheduleRetry(entry: Entry): void {
    const delayMs = (this.#cfg.bindRetryMs ?? 2_000) * (1 + 0.2 * this.#cfg.rng.next());
    entry.retry = this.#cfg.clock.setTimer(delayMs, () => {
      if (this.#entries.get(entry.rule.key) === entry) this.#bind(entry);
    });
  }
}

/** True if two rules for one key would behave the same. */
function sameRule(a: ProxyRule, b: ProxyRule): boolean {
  return (
    a.service === b.service &&
    a.portName === b.portName &&
    a.affinityTimeoutMs === b.affinityTimeoutMs &&
    backendList(a).join(',') === backendList(b).join(',')
  );
}

function backendList(rule: ProxyRule): string[] {
  return rule.backends.map(backendKey);
}
