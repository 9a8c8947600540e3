import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRng } from '@kubelab/clock';
import { FakeClock } from '@kubelab/testkit';
import { ApiCore } from '../src/core/api-core.js';
import type { ApiRequest } from '../src/core/handler.js';
import { kubeAdmission } from '../src/core/kube-admission.js';
import type { ApplyFn, CommandLog } from '../src/store/command-log.js';
import { ReplicatedStore, encodeCommand } from '../src/store/replicated-store.js';
import type { StoreCommand, StoredObject } from '../src/store/types.js';

/**
 * A follower's view of the log: entries committed through another replica (`commitElsewhere`) are applied
 * here only at the next read barrier or the next own proposal (which applies everything before it, in order).
 */
class LaggingLog implements CommandLog {
  private index = 0;
  private readonly queued: Uint8Array[] = [];
  barriers = 0;
  private apply: ApplyFn = () => {
    throw new Error('no state machine attached');
  };

  attach(apply: ApplyFn): void {
    this.apply = apply;
  }

  commitElsewhere(cmd: StoreCommand): void {
    this.queued.push(encodeCommand(cmd));
  }

  async propose(data: Uint8Array): Promise<void> {
    this.catchUp();
    this.apply(++this.index, data);
  }

  async readBarrier(): Promise<void> {
    this.barriers++;
    this.catchUp();
  }

  appliedIndex(): number {
    return this.index;
  }

  private catchUp(): void {
    for (let d = this.queued.shift(); d; d = this.queued.shift()) this.apply(++this.index, d);
  }
}

function setup() {
  const clock = new FakeClock();
  const log = new LaggingLog();
  const store = new ReplicatedStore({ log, clock });
  log.attach(store.applyEntry);
  let uid = 0;
  const core = new ApiCore({
    store,
    admission: kubeAdmission(),
    clock,
    rng: seededRng(3),
    newUid: () => `uid-${++uid}`,
  });
  const user = { name: 'test', groups: ['system:masters'] };
  const call = (req: Partial<ApiRequest> & { verb: string; resource: string }) =>
    core.handle({ group: '', version: 'v1', ...req }, user);
  return { core, call, store, log };
}

const podObject = (name: string, uid: string): StoredObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
});
const bind = (name: string, node: string) => ({
  verb: 'create',
  resource: 'pods',
  subresource: 'binding',
  namespace: 'default',
  name,
  body: { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: node } },
});
const nodeOf = (o: unknown) => (o as { spec: { nodeName?: string } }).spec.nodeName;

describe('api core - updates start from local state (GuaranteedUpdate from the cache)', () => {
  it('binds a pod this replica has applied without a read barrier', async () => {
    const { call, log } = setup();
    await call({ verb: 'create', resource: 'namespaces', body: { metadata: { name: 'default' } } });
    await call({ verb: 'create', resource: 'pods', namespace: 'default', body: podObject('a', '') });
    const before = log.barriers;
    assert.equal((await call(bind('a', 'n1'))).code, 201);
    assert.equal(log.barriers, before, 'no read barrier');
    const got = await call({ verb: 'get', resource: 'pods', namespace: 'default', name: 'a' });
    assert.equal(nodeOf(got.body), 'n1');
  });

  it('a pod this replica has not applied yet is looked up again consistently, not answered 404', async () => {
    const { call, log, store } = setup();
    await call({ verb: 'create', resource: 'namespaces', body: { metadata: { name: 'default' } } });
    log.commitElsewhere({
      id: 'elsewhere-1',
      now: '2026-01-01T00:00:00Z',
      resource: 'core/pods',
      op: 'create',
      object: podObject('b', 'uid-b'),
      namespaced: true,
      tracksGeneration: false,
    });
    assert.equal(store.store.get('core/pods', 'default', 'b'), undefined, 'not applied here yet');
    const before = log.barriers;
    assert.equal((await call(bind('b', 'n2'))).code, 201);
    assert.equal(log.barriers, before + 1, 'one consistent read');
    assert.equal(nodeOf(store.store.get('core/pods', 'default', 'b')), 'n2');
  });

  it('a write computed from a stale object is refused by the precondition and retried from a consistent read', async () => {
    const { call, log, store } = setup();
    await call({ verb: 'create', resource: 'namespaces', body: { metadata: { name: 'default' } } });
    await call({ verb: 'create', resource: 'pods', namespace: 'default', body: podObject('c', '') });
    const current = store.store.get('core/pods', 'default', 'c') as StoredObject;
    // Another replica labels the pod; this one has not applied that yet.
    log.commitElsewhere({
      id: 'elsewhere-2',
      now: '2026-01-01T00:00:00Z',
      resource: 'core/pods',
      op: 'update',
      object: { ...current, metadata: { ...current.metadata, labels: { team: 'x' } } },
      scope: 'main',
      tracksGeneration: false,
    });
    const r = await call({
      verb: 'patch',
      resource: 'pods',
      namespace: 'default',
      name: 'c',
      patchType: 'application/merge-patch+json',
      body: { metadata: { annotations: { note: 'y' } } },
    });
    assert.equal(r.code, 200);
    const meta = (r.body as StoredObject).metadata;
    assert.deepEqual(meta.labels, { team: 'x' }, "the other replica's change is kept");
    assert.deepEqual(meta.annotations, { note: 'y' });
  });

  it('a binding refused because of the local state is decided again from a consistent read', async () => {
    const { call, log, store } = setup();
    await call({ verb: 'create', resource: 'namespaces', body: { metadata: { name: 'default' } } });
    await call({ verb: 'create', resource: 'pods', namespace: 'default', body: podObject('d', '') });
    await call(bind('d', 'n1'));
    // Elsewhere the bound pod is deleted and created again, unbound; this replica still has the old one.
    log.commitElsewhere({
      id: 'elsewhere-3',
      now: '2026-01-01T00:00:00Z',
      resource: 'core/pods',
      op: 'delete',
      namespace: 'default',
      name: 'd',
      gracePeriodSeconds: 0,
      propagationPolicy: 'Background',
    });
    log.commitElsewhere({
      id: 'elsewhere-4',
      now: '2026-01-01T00:00:00Z',
      resource: 'core/pods',
      op: 'create',
      object: podObject('d', 'uid-d2'),
      namespaced: true,
      tracksGeneration: false,
    });
    assert.equal((await call(bind('d', 'n3'))).code, 201);
    assert.equal(nodeOf(store.store.get('core/pods', 'default', 'd')), 'n3');
  });
});
