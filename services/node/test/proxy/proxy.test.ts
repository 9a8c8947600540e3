/**
 * startProxy wired to fake informers (a cache plus handlers, no api): it syncs only after both caches synced,
 * follows Service and EndpointSlice events, and stops cleanly.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  type EventHandler,
  Indexer,
  type KubeObject,
  type ResourceRef,
  metaNamespaceKey,
  resources,
} from '@kubelab/api-client';
import { systemClock } from '@kubelab/clock';
import { freePort, waitFor } from '@kubelab/testkit';
import { type ProxyInformer, type ProxyInformerSource, startProxy } from '../../src/proxy/proxy.js';
import { ep, port, service, slice } from './fixtures.js';
import { connect, logger, randomClusterIP, startTcpBackend, testRng, whoAnswers } from './helpers.js';

/** An informer whose cache the test fills by hand. */
class FakeInformer<T extends KubeObject> implements ProxyInformer<T> {
  readonly store = new Indexer<T>();
  readonly handlers: EventHandler<T>[] = [];
  synced = false;
  readonly #syncWaiters: ((ok: boolean) => void)[] = [];

  hasSynced(): boolean {
    return this.synced;
  }
  whenSynced(): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }
  markSynced(): void {
    this.synced = true;
    for (const w of this.#syncWaiters.splice(0)) w(true);
  }
  addEventHandler(handler: EventHandler<T>) {
    this.handlers.push(handler);
    return {
      remove: () => this.handlers.splice(this.handlers.indexOf(handler), 1),
      hasSynced: () => this.synced,
    };
  }
  lister() {
    return this.store;
  }
  upsert(obj: T): void {
    const old = this.store.upsert(obj);
    for (const h of this.handlers) old === undefined ? h.onAdd?.(obj, false) : h.onUpdate?.(old, obj);
  }
  remove(obj: T): void {
    this.store.deleteKey(metaNamespaceKey(obj));
    for (const h of this.handlers) h.onDelete?.(obj);
  }
}

class FakeSource implements ProxyInformerSource {
  readonly informers = new Map<string, FakeInformer<KubeObject>>();
  informerFor<T extends KubeObject>(ref: ResourceRef): FakeInformer<T> {
    let informer = this.informers.get(ref.resource);
    if (informer === undefined) {
      informer = new FakeInformer<KubeObject>();
      this.informers.set(ref.resource, informer);
    }
    return informer as unknown as FakeInformer<T>;
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('startProxy', () => {
  it('startProxy - serves after both caches sync and follows events', async () => {
    const backend = await startTcpBackend('b0');
    cleanups.push(() => backend.close());
    const clusterIP = randomClusterIP();
    const svcPort = await freePort(clusterIP);
    const source = new FakeSource();
    const proxy = startProxy({
      informers: source,
      nodeName: 'node-0',
      nodeIP: '127.0.100.250',
      clock: systemClock,
      rng: testRng(),
      logger,
      minSyncPeriodMs: 10,
    });
    cleanups.push(() => proxy.stop());
    const services = source.informerFor(resources.services);
    const slices = source.informerFor(resources.endpointslices);
    services.upsert(service('web', { clusterIP, ports: [port(svcPort, { name: 'http' })] }));
    const webSlice = slice('web-1', 'web', [{ name: 'http', port: backend.port }], [ep(backend.ip)]);
    slices.upsert(webSlice);

    services.markSynced();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(proxy.ready(), false, 'not before every cache synced');
    await assert.rejects(connect(clusterIP, svcPort), { code: 'ECONNREFUSED' });

    slices.markSynced();
    await waitFor(() => proxy.ready(), { what: 'the first sync' });
    await waitFor(() => proxy.listeners()[0]?.state === 'Serving', { what: 'the listener' });
    assert.equal(await whoAnswers(clusterIP, svcPort), 'b0');
    assert.equal(proxy.rules().length, 1);

    slices.remove(webSlice);
    await waitFor(() => proxy.listeners().length === 0, { what: 'the listener to close' });
    await assert.rejects(connect(clusterIP, svcPort), { code: 'ECONNREFUSED' });

    slices.upsert(webSlice);
    await waitFor(() => proxy.listeners()[0]?.state === 'Serving', { what: 'the listener again' });
    assert.equal(await whoAnswers(clusterIP, svcPort), 'b0');

    await proxy.stop();
    await assert.rejects(connect(clusterIP, svcPort), { code: 'ECONNREFUSED' });
    assert.equal(services.handlers.length + slices.handlers.length, 0, 'handlers removed');
  });
});
