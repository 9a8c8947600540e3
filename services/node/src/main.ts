/**
 * The node agent: kubelet (pod workers over the emulated runtime), kube-proxy and node RPC (`kubectl logs`,
 * `kubectl exec`) for one node, or for N hollow nodes when KUBELAB_HOLLOW_NODES is set (kwok-style: pods go
 * Running and Ready without sockets, for scale tests).
 */
import { createHash, randomUUID } from 'node:crypto';
import os from 'node:os';
import { SharedInformerFactory, createApiClient } from '@kubelab/api-client';
import { serveNodeRpc } from '@kubelab/bus';
import { createEventRecorder } from '@kubelab/controller-kit';
import { type ServiceContext, serviceMain } from '@kubelab/runtime';
import { type NodeConfig, readNodeConfig, subnetOf } from './config.js';
import { noEvents } from './kubelet/events.js';
import { createHollowRuntime } from './kubelet/hollow-runtime.js';
import { Kubelet, type NodeSetup } from './kubelet/kubelet.js';
import { nodeRpcHandlers } from './kubelet/node-rpc.js';
import { type NodeIdentity, goArch } from './kubelet/node-status.js';
import { startProxy } from './proxy/index.js';
import { createRuntime, loadCatalogFile } from './runtime/index.js';

function identity(cfg: NodeConfig, nodeName: string, nodeIP: string): NodeIdentity {
  return {
    nodeName,
    nodeIP,
    capacity: cfg.capacity,
    labels: cfg.labels,
    taints: cfg.taints,
    arch: goArch(process.arch),
    kernelVersion: os.release(),
    machineID: createHash('sha256').update(nodeName).digest('hex').slice(0, 32),
    bootID: randomUUID(),
  };
}

/**
 * Hollow nodes' fallback pod CIDRs: the upper half of the fallback range (real nodes' fallbacks are indexed
 * from its bottom); like every fallback, outside the cluster CIDR the IPAM controller assigns from.
 */
function hollowFallbackCIDR(cfg: NodeConfig, i: number): string {
  const bits = Number(cfg.fallbackCIDR.split('/')[1] ?? 12);
  const mask = cfg.nodeCIDRMaskSize;
  return subnetOf(cfg.fallbackCIDR, mask, 2 ** Math.max(0, mask - bits - 1) + i);
}

async function start(ctx: ServiceContext) {
  const cfg = readNodeConfig(process.env);
  const { clock, rng, logger, bus } = ctx;
  // Extra images (and overrides of the built-in ones) from a YAML file; see runtime/catalog.ts.
  const catalogPath = process.env.KUBELAB_IMAGE_CATALOG;
  const catalog = catalogPath ? await loadCatalogFile(catalogPath) : undefined;
  if (catalogPath) logger.info({ catalog: catalogPath }, 'image catalog loaded');
  const client = createApiClient({
    bus,
    clock,
    rng,
    logger,
    ...(ctx.env.token ? { token: ctx.env.token } : {}),
  });
  const informers = new SharedInformerFactory({ client, clock, rng, logger });
  const hollow = cfg.hollowNodes > 0;
  const nodes: NodeSetup[] = hollow
    ? Array.from({ length: cfg.hollowNodes }, (_, i) => {
        const name = `${cfg.nodeName}-h${i}`;
        return {
          id: identity(cfg, name, cfg.nodeIP),
          runtime: createHollowRuntime({ clock, cached: ['registry.k8s.io/pause:3.10'] }),
          events: noEvents,
          fallbackPodCIDR: hollowFallbackCIDR(cfg, i),
        };
      })
    : [
        {
          id: identity(cfg, cfg.nodeName, cfg.nodeIP),
          runtime: createRuntime({
            clock,
            rng,
            preloadedImages: ['registry.k8s.io/pause:3.10'],
            ...(catalog ? { catalog } : {}),
          }),
          events: createEventRecorder({ client, clock, logger, component: 'kubelet', host: cfg.nodeName }),
          fallbackPodCIDR: cfg.fallbackPodCIDR,
        },
      ];
  const kubelet = new Kubelet({
    client,
    informers,
    clock,
    log: logger,
    config: cfg,
    nodes,
    lightweight: hollow,
  });
  const proxy = hollow
    ? undefined
    : startProxy({ informers, nodeName: cfg.nodeName, nodeIP: cfg.nodeIP, clock, rng, logger });
  const rpcs = await Promise.all(
    nodes.map((n) =>
      serveNodeRpc(
        bus,
        n.id.nodeName,
        nodeRpcHandlers((ns, name) => kubelet.worker(ns, name), clock),
        {
          clock,
          logger,
        },
      ),
    ),
  );
  const abort = new AbortController();
  informers.start(abort.signal);
  const started = kubelet
    .start(abort.signal)
    .catch((err: unknown) => logger.error({ err }, 'kubelet failed'));
  logger.info({ nodes: nodes.length, hollow, nodeIP: cfg.nodeIP }, 'node agent started');
  return {
    ready: () => kubelet.ready() && (proxy?.ready() ?? true),
    details: () => kubelet.details(),
    stop: async () => {
      abort.abort();
      await started;
      await Promise.all(rpcs.map((r) => r.stop()));
      await proxy?.stop();
      await kubelet.stop();
      await Promise.all(nodes.map((n) => n.events.flush()));
      await informers.shutdown();
    },
  };
}

await serviceMain('node', process.env, { start });
