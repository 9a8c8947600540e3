/**
 * The emulated CRI of one node: an emulated registry (catalog + pull latency), the node's image cache with
 * Kubernetes' pull policies, and the pod sandboxes.
 */
import { createHash } from 'node:crypto';
import type { Clock, Rng } from '@kubelab/clock';
import { type CatalogImage, type ImageCatalog, builtinImages, createCatalog } from './catalog.js';
import { parseImageRef } from './image-ref.js';
import { app, pause } from './programs/app.js';
import { grpcHealth } from './programs/grpc-health.js';
import { nginx } from './programs/nginx.js';
import { SandboxImpl } from './sandbox.js';
import { coreutils } from './shell/coreutils.js';
import { netUtils } from './shell/net-utils.js';
import type { CommandFn } from './shell/types.js';
import {
  type ContainerRuntime,
  ImagePullError,
  type PullPolicy,
  type PullResult,
  type Sandbox,
  type SandboxSpec,
} from './types.js';

/** Everything a node's runtime needs; only `clock` and `rng` are required. */
export interface RuntimeConfig {
  readonly clock: Clock;
  /** Pull latency jitter and container ids. */
  readonly rng: Rng;
  /** The registry's images; defaults to the built-ins. */
  readonly catalog?: ImageCatalog;
  /** Emulated pull time, uniformly in [minMs, maxMs]; default 100–300 ms. `{ minMs: 0, maxMs: 0 }` for tests. */
  readonly pullLatency?: { readonly minMs: number; readonly maxMs: number };
  /** Images already in the node cache at start (e.g. `registry.k8s.io/pause:3.9`). */
  readonly preloadedImages?: readonly string[];
  /** Log lines kept per container process; default 10,000. */
  readonly logCapacityLines?: number;
}

/** Image-specific programs by the name the catalog lists in `programs`. */
export const imagePrograms: Readonly<Record<string, CommandFn>> = {
  nginx,
  app,
  'grpc-health': grpcHealth,
  pause,
};

interface CachedImage {
  readonly image: CatalogImage;
  readonly tag: string;
  readonly imageId: string;
  readonly names: Set<string>;
}

function imageIdOf(normalized: string): string {
  return `sha256:${createHash('sha256').update(normalized).digest('hex')}`;
}

/**
 * Creates a node's container runtime.
 *
 * @example
 * const runtime = createRuntime({ clock: systemClock, rng: seededRng(1) });
 * await runtime.pullImage('nginx', 'IfNotPresent');
 * const sandbox = await runtime.createSandbox({ uid, namespace, name, podIP: '127.1.0.5', hostname: name, volumes: new Map() });
 * const proc = await sandbox.startContainer({ name: 'nginx', image: 'nginx', env: {}, ports: [], volumeMounts: [] });
 */
export function createRuntime(config: RuntimeConfig): ContainerRuntime {
  return new RuntimeImpl(config);
}

class RuntimeImpl implements ContainerRuntime {
  private readonly catalog: ImageCatalog;
  /** Normalized reference → cached image. */
  private readonly cache = new Map<string, CachedImage>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly sandboxes = new Set<Sandbox>();
  private readonly commandCache = new Map<CatalogImage, ReadonlyMap<string, CommandFn>>();

  constructor(private readonly config: RuntimeConfig) {
    this.catalog = config.catalog ?? createCatalog(builtinImages);
    for (const image of config.preloadedImages ?? []) {
      const ref = parseImageRef(image);
      const entry = ref && this.catalog.find(ref);
      if (ref && entry) this.addToCache(ref.normalized, entry, ref.tag);
    }
  }

  private addToCache(normalized: string, image: CatalogImage, tag: string): CachedImage {
    const cached: CachedImage = { image, tag, imageId: imageIdOf(normalized), names: new Set([normalized]) };
    this.cache.set(normalized, cached);
    return cached;
  }

  async pullImage(image: string, policy: PullPolicy, signal?: AbortSignal): Promise<PullResult> {
    const ref = parseImageRef(image);
    if (ref === undefined) {
      throw new ImagePullError(
        'InvalidImageName',
        `Failed to apply default image tag "${image}": couldn't parse image reference "${image}": invalid reference format`,
      );
    }
    const cached = this.cache.get(ref.normalized);
    if (policy === 'Never' || (policy === 'IfNotPresent' && cached !== undefined)) {
      if (cached === undefined) {
        throw new ImagePullError(
          'ErrImageNeverPull',
          `Container image "${image}" is not present with pull policy of Never`,
        );
      }
      return {
        imageRef: ref.normalized,
        imageId: cached.imageId,
        pulled: false,
        durationMs: 0,
        sizeBytes: cached.image.sizeBytes,
      };
    }
    const started = this.config.clock.now();
    let pull = this.inflight.get(ref.normalized);
    if (pull === undefined) {
      pull = this.emulatePull(signal).finally(() => this.inflight.delete(ref.normalized));
      this.inflight.set(ref.normalized, pull);
    }
    await pull;
    const entry = this.catalog.find(ref);
    if (entry === undefined) {
      const r = ref.normalized;
      throw new ImagePullError(
        'ErrImagePull',
        `rpc error: code = NotFound desc = failed to pull and unpack image "${r}": failed to resolve reference "${r}": ${r}: not found`,
      );
    }
    const result = this.cache.get(ref.normalized) ?? this.addToCache(ref.normalized, entry, ref.tag);
    return {
      imageRef: ref.normalized,
      imageId: result.imageId,
      pulled: true,
      durationMs: this.config.clock.now() - started,
      sizeBytes: result.image.sizeBytes,
    };
  }

  private async emulatePull(signal?: AbortSignal): Promise<void> {
    const { minMs, maxMs } = this.config.pullLatency ?? { minMs: 100, maxMs: 300 };
    const latency = maxMs <= minMs ? minMs : this.config.rng.int(minMs, maxMs);
    if (latency > 0) await this.config.clock.sleep(latency, signal);
    else if (signal?.aborted) throw signal.reason;
  }

  cachedImages(): readonly { readonly names: readonly string[]; readonly sizeBytes: number }[] {
    return [...this.cache.values()].map((c) => ({
      names: [`${c.image.repository}@${c.imageId}`, ...c.names],
      sizeBytes: c.image.sizeBytes,
    }));
  }

  /** The commands on an image's PATH: the busybox applets (unless it has no shell) plus its programs. */
  private commandsFor(image: CatalogImage): ReadonlyMap<string, CommandFn> {
    let commands = this.commandCache.get(image);
    if (commands === undefined) {
      const map = new Map<string, CommandFn>(
        image.shell ? Object.entries({ ...coreutils, ...netUtils }) : [],
      );
      for (const p of image.programs) {
        const fn = imagePrograms[p];
        if (fn !== undefined) map.set(p, fn);
      }
      commands = map;
      this.commandCache.set(image, commands);
    }
    return commands;
  }

  async createSandbox(spec: SandboxSpec): Promise<Sandbox> {
    const sandbox = new SandboxImpl(spec, {
      clock: this.config.clock,
      logCapacityLines: this.config.logCapacityLines ?? 10_000,
      resolveImage: (image) => {
        const ref = parseImageRef(image);
        const cached = ref && this.cache.get(ref.normalized);
        return cached ? { image: cached.image, tag: cached.tag } : undefined;
      },
      commandsFor: (image) => this.commandsFor(image),
      newContainerId: () => {
        let hex = '';
        while (hex.length < 64) hex += this.config.rng.int(0, 0xffff).toString(16).padStart(4, '0');
        return hex;
      },
      onDestroy: (s) => this.sandboxes.delete(s),
    });
    this.sandboxes.add(sandbox);
    return sandbox;
  }

  async close(): Promise<void> {
    await Promise.all([...this.sandboxes].map((s) => s.destroy()));
  }
}
