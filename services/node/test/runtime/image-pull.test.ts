import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { seededRng } from '@kubelab/clock';
import { FakeClock } from '@kubelab/testkit';
import {
  CatalogError,
  ImagePullError,
  createRuntime,
  loadCatalogFile,
  parseCatalogYaml,
  parseImageRef,
} from '../../src/runtime/index.js';
import { container, sandboxSpec, settle, testRuntime } from './helpers.js';

describe('image references', () => {
  const cases: [string, string | undefined][] = [
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.19', 'docker.io/library/nginx:1.19'],
    ['dotbalo/canary:v1', 'docker.io/dotbalo/canary:v1'],
    ['docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9'],
    ['localhost:5000/app:v2', 'localhost:5000/app:v2'],
    [
      'nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      'docker.io/library/nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    ],
    ['Nginx', undefined],
    ['nginx:', undefined],
    ['', undefined],
    ['ngi nx', undefined],
  ];
  for (const [input, want] of cases) {
    it(`normalizes "${input}"`, () => assert.equal(parseImageRef(input)?.normalized, want));
  }
});

describe('pull policies', () => {
  it('IfNotPresent pulls once, then hits the cache', async () => {
    const rt = testRuntime(new FakeClock());
    const first = await rt.pullImage('nginx:1.19', 'IfNotPresent');
    assert.equal(first.pulled, true);
    assert.equal(first.imageRef, 'docker.io/library/nginx:1.19');
    assert.match(first.imageId, /^sha256:[0-9a-f]{64}$/);
    const second = await rt.pullImage('nginx:1.19', 'IfNotPresent');
    assert.deepEqual([second.pulled, second.durationMs, second.imageId], [false, 0, first.imageId]);
    // Another tag is another image.
    assert.equal((await rt.pullImage('nginx:1.20', 'IfNotPresent')).pulled, true);
  });

  it('Always pulls every time, with the emulated latency', async () => {
    const clock = new FakeClock();
    const rt = createRuntime({ clock, rng: seededRng(7), pullLatency: { minMs: 100, maxMs: 300 } });
    for (let i = 0; i < 2; i++) {
      let done = false;
      const pull = rt.pullImage('busybox', 'Always').then((r) => {
        done = true;
        return r;
      });
      await settle();
      assert.equal(done, false, 'a pull takes time');
      clock.advance(300);
      const r = await pull;
      assert.equal(r.pulled, true);
      assert.ok(r.durationMs >= 100 && r.durationMs <= 300, `latency ${r.durationMs}`);
    }
  });

  it('Never fails with ErrImageNeverPull when the image is not cached, and uses the cache when it is', async () => {
    const rt = testRuntime(new FakeClock());
    await assert.rejects(rt.pullImage('nginx:1.19', 'Never'), (e: unknown) => {
      assert.ok(e instanceof ImagePullError);
      assert.equal(e.reason, 'ErrImageNeverPull');
      assert.equal(e.message, 'Container image "nginx:1.19" is not present with pull policy of Never');
      return true;
    });
    await rt.pullImage('nginx:1.19', 'IfNotPresent');
    assert.equal((await rt.pullImage('nginx:1.19', 'Never')).pulled, false);
  });

  it('unknown images and tags fail with ErrImagePull and a containerd-like message', async () => {
    const rt = testRuntime(new FakeClock());
    await assert.rejects(rt.pullImage('nosuch:1', 'IfNotPresent'), (e: unknown) => {
      assert.ok(e instanceof ImagePullError);
      assert.equal(e.reason, 'ErrImagePull');
      assert.match(
        e.message,
        /failed to pull and unpack image "docker\.io\/library\/nosuch:1": .*not found$/,
      );
      return true;
    });
    await assert.rejects(rt.pullImage('dotbalo/canary:v3', 'Always'), /canary:v3: not found/);
    assert.equal((await rt.pullImage('dotbalo/canary:v2', 'Always')).pulled, true);
  });

  it('invalid references fail with InvalidImageName', async () => {
    const rt = testRuntime(new FakeClock());
    await assert.rejects(rt.pullImage('Bad:Image:x', 'IfNotPresent'), (e: unknown) => {
      assert.ok(e instanceof ImagePullError);
      assert.equal(e.reason, 'InvalidImageName');
      return true;
    });
  });

  it('lists cached images with their size for node status, including preloaded ones', async () => {
    const rt = testRuntime(new FakeClock(), { preloadedImages: ['registry.k8s.io/pause:3.9'] });
    await rt.pullImage('busybox:1.36', 'IfNotPresent');
    const images = rt.cachedImages();
    assert.equal(images.length, 2);
    assert.ok(images.some((i) => i.names.includes('registry.k8s.io/pause:3.9')));
    const bb = images.find((i) => i.names.includes('docker.io/library/busybox:1.36'));
    assert.ok(bb && bb.sizeBytes > 0 && bb.names[0]?.startsWith('docker.io/library/busybox@sha256:'));
  });

  it('a container cannot start from an image that was never pulled', async () => {
    const rt = testRuntime(new FakeClock());
    const sb = await rt.createSandbox(sandboxSpec('127.0.60.1'));
    await assert.rejects(sb.startContainer(container('c', 'busybox')), /not present/);
    await rt.close();
  });
});

describe('catalog file', () => {
  it('adds images and overrides built-ins', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubelab-catalog-'));
    try {
      const file = join(dir, 'catalog.yaml');
      await writeFile(
        file,
        [
          'images:',
          '  - name: example.com/shop/web',
          '    tags: [v1]',
          '    app: { ports: [9000], body: "web {{tag}} on {{hostname}}\\n", startDelayMs: 500 }',
          '    usage: { cpuMilli: 5, cpuMilliPerRequest: 10, memoryBytes: 1000 }',
          '  - name: busybox',
          '    files: { /etc/motd: "hello\\n" }',
        ].join('\n'),
      );
      const catalog = await loadCatalogFile(file);
      const web = catalog.find(parseImageRef('example.com/shop/web:v1') ?? assert.fail());
      assert.equal(web?.app?.startDelayMs, 500);
      assert.deepEqual(web?.cmd, ['app']);
      assert.equal(catalog.find(parseImageRef('example.com/shop/web:v2') ?? assert.fail()), undefined);
      const bb = catalog.find(parseImageRef('busybox') ?? assert.fail());
      assert.equal(bb?.files['/etc/motd'], 'hello\n');
      assert.ok(catalog.find(parseImageRef('nginx') ?? assert.fail()), 'built-ins stay');

      const rt = createRuntime({
        clock: new FakeClock(),
        rng: seededRng(1),
        catalog,
        pullLatency: { minMs: 0, maxMs: 0 },
      });
      await rt.pullImage('busybox', 'IfNotPresent');
      const sb = await rt.createSandbox(sandboxSpec('127.0.60.2'));
      await sb.startContainer(container('c', 'busybox', { command: ['sleep', 'infinity'] }));
      assert.deepEqual(await sb.exec('c', ['cat', '/etc/motd']), {
        exitCode: 0,
        stdout: 'hello\n',
        stderr: '',
      });
      await rt.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects malformed files with the offending path', () => {
    assert.throws(() => parseCatalogYaml('images: 3'), CatalogError);
    assert.throws(() => parseCatalogYaml('images:\n  - tags: [a]'), /images\[0\]: "name" is required/);
    assert.throws(
      () => parseCatalogYaml('images:\n  - name: x\n    app: { ports: [-1] }'),
      /images\[0\]\.app\.ports/,
    );
  });
});
