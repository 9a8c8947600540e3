/**
 * The emulated registry's image catalog: which images exist, what they contain and how their processes
 * behave. Built-ins cover the images the seed and the Kubernetes docs use; a YAML file (the node's
 * `KUBELAB_IMAGE_CATALOG`) can add images or replace built-ins.
 *
 * @example
 * # catalog.yaml
 * images:
 *   - name: example.com/shop/web     # a repository; any tag unless `tags` lists them
 *     tags: [v1, v2]
 *     app: { ports: [8080], body: "web {{tag}}\n", startDelayMs: 2000 }
 *     usage: { cpuMilli: 5, cpuMilliPerRequest: 10, memoryBytes: 20000000 }
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { type ImageRef, parseImageRef } from './image-ref.js';

/** How the generic `app` program behaves (HTTP server images such as `dotbalo/canary`). */
export interface AppBehaviour {
  /** Ports served when the container declares none. */
  readonly ports: readonly number[];
  /** Response body; `{{tag}}`, `{{hostname}}` and `{{path}}` are replaced. */
  readonly body: string;
  readonly status: number;
  /** Emulated start time before the ports listen. */
  readonly startDelayMs: number;
  /** Exit on its own after `afterMs` with `code` (a crashing or finishing app). */
  readonly exit?: { readonly afterMs: number; readonly code: number };
}

/** Emulated resource use: a base plus a share per request served in the last window. */
export interface UsageModel {
  readonly cpuMilli: number;
  readonly cpuMilliPerRequest: number;
  readonly memoryBytes: number;
  readonly memoryBytesPerRequest: number;
}

/** One catalog image (a repository, all or some of its tags). */
export interface CatalogImage {
  /** Normalized repository, e.g. `docker.io/library/nginx`. */
  readonly repository: string;
  /** Allowed tags; undefined = any tag exists. */
  readonly tags?: readonly string[];
  readonly sizeBytes: number;
  /** Docker ENTRYPOINT and CMD: PodSpec command replaces the first, args the second. */
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** Image-specific programs on its PATH besides the shell utilities (`nginx`, `app`, `grpc-health`, `pause`). */
  readonly programs: readonly string[];
  /** False for images without a shell (pause): exec and `sh` then fail with "not found". */
  readonly shell: boolean;
  /** Files in the image's root filesystem. */
  readonly files: Readonly<Record<string, string>>;
  readonly app?: AppBehaviour;
  readonly usage: UsageModel;
}

const mi = 1024 * 1024;
const idleUsage: UsageModel = {
  cpuMilli: 0,
  cpuMilliPerRequest: 0,
  memoryBytes: 1 * mi,
  memoryBytesPerRequest: 0,
};

/** The stock nginx welcome page (what `curl podIP` shows). */
export const nginxWelcomePage = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

const baseFiles: Record<string, string> = {
  '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  '/etc/group': 'root:x:0:\nnogroup:x:65534:\n',
};

function image(repository: string, fields: Partial<CatalogImage>): CatalogImage {
  return {
    repository,
    sizeBytes: 5 * mi,
    entrypoint: [],
    cmd: ['sh'],
    programs: [],
    shell: true,
    files: baseFiles,
    usage: idleUsage,
    ...fields,
  };
}

/** The images every node knows. */
export const builtinImages: readonly CatalogImage[] = [
  image('docker.io/library/nginx', {
    sizeBytes: 67 * mi,
    cmd: ['nginx', '-g', 'daemon off;'],
    programs: ['nginx'],
    files: {
      ...baseFiles,
      '/usr/share/nginx/html/index.html': nginxWelcomePage,
      '/usr/share/nginx/html/50x.html': '<html><body><h1>An error occurred.</h1></body></html>\n',
      '/etc/nginx/nginx.conf': 'user  nginx;\nworker_processes  auto;\n',
    },
    usage: { cpuMilli: 1, cpuMilliPerRequest: 2, memoryBytes: 3 * mi, memoryBytesPerRequest: 64 * 1024 },
  }),
  image('docker.io/library/busybox', { sizeBytes: 2 * mi, cmd: ['sh'] }),
  image('docker.io/library/alpine', { sizeBytes: 4 * mi, cmd: ['/bin/sh'] }),
  image('docker.io/curlimages/curl', { sizeBytes: 10 * mi, entrypoint: ['curl'], cmd: ['--help'] }),
  image('docker.io/dotbalo/canary', {
    tags: ['v1', 'v2'],
    sizeBytes: 9 * mi,
    cmd: ['app'],
    programs: ['app'],
    app: { ports: [8080], body: 'canary {{tag}}\n', status: 200, startDelayMs: 0 },
    usage: { cpuMilli: 1, cpuMilliPerRequest: 5, memoryBytes: 8 * mi, memoryBytesPerRequest: 128 * 1024 },
  }),
  image('docker.io/kubelab/grpc-health', {
    sizeBytes: 6 * mi,
    cmd: ['grpc-health'],
    programs: ['grpc-health'],
    usage: { cpuMilli: 1, cpuMilliPerRequest: 1, memoryBytes: 5 * mi, memoryBytesPerRequest: 0 },
  }),
  ...['registry.k8s.io/pause', 'k8s.gcr.io/pause', 'docker.io/library/pause'].map((repo) =>
    image(repo, { sizeBytes: 300 * 1024, cmd: ['/pause'], programs: ['pause'], shell: false, files: {} }),
  ),
];

/** An immutable set of images, looked up by reference. */
export interface ImageCatalog {
  /** The entry serving `ref` (its repository and, when the entry lists tags, its tag), if any. */
  find(ref: ImageRef): CatalogImage | undefined;
  readonly images: readonly CatalogImage[];
}

/** A catalog of `images`; later entries for the same repository replace earlier ones. */
export function createCatalog(images: readonly CatalogImage[]): ImageCatalog {
  const byRepo = new Map<string, CatalogImage>();
  for (const img of images) byRepo.set(img.repository, img);
  const all = [...byRepo.values()];
  return {
    images: all,
    find(ref) {
      const img = byRepo.get(ref.repository);
      if (img === undefined) return undefined;
      if (img.tags !== undefined && ref.digest === undefined && !img.tags.includes(ref.tag)) return undefined;
      return img;
    },
  };
}

/** Thrown when a catalog file does not describe images correctly. */
export class CatalogError extends Error {
  override readonly name = 'CatalogError';
}

/** Reads a YAML catalog file and returns the built-ins with its images merged over them. */
export async function loadCatalogFile(path: string): Promise<ImageCatalog> {
  const text = await readFile(path, 'utf8');
  return createCatalog([...builtinImages, ...parseCatalogYaml(text, path)]);
}

/** Parses the YAML catalog format (see the module doc) into images. */
export function parseCatalogYaml(text: string, source = 'catalog'): CatalogImage[] {
  const doc: unknown = parseYaml(text);
  const list = isRecord(doc) ? doc.images : undefined;
  if (!Array.isArray(list)) throw new CatalogError(`${source}: expected a top-level "images" list`);
  return list.map((raw, i) => parseImage(raw, `${source}: images[${i}]`));
}

function parseImage(raw: unknown, where: string): CatalogImage {
  if (!isRecord(raw) || typeof raw.name !== 'string') throw new CatalogError(`${where}: "name" is required`);
  const ref = parseImageRef(raw.name);
  if (ref === undefined) throw new CatalogError(`${where}: invalid image name "${raw.name}"`);
  const app = raw.app === undefined ? undefined : parseApp(raw.app, `${where}.app`);
  const usage = isRecord(raw.usage) ? raw.usage : {};
  const base = builtinImages.find((b) => b.repository === 'docker.io/library/busybox');
  return {
    repository: ref.repository,
    ...(raw.tags === undefined ? {} : { tags: strings(raw.tags, `${where}.tags`) }),
    sizeBytes: num(raw.sizeBytes, 5 * mi, `${where}.sizeBytes`),
    entrypoint: raw.entrypoint === undefined ? [] : strings(raw.entrypoint, `${where}.entrypoint`),
    cmd: raw.cmd === undefined ? (app ? ['app'] : ['sh']) : strings(raw.cmd, `${where}.cmd`),
    programs: raw.programs === undefined ? (app ? ['app'] : []) : strings(raw.programs, `${where}.programs`),
    shell: raw.shell === undefined ? true : raw.shell === true,
    files: { ...(base?.files ?? {}), ...stringRecord(raw.files, `${where}.files`) },
    ...(app === undefined ? {} : { app }),
    usage: {
      cpuMilli: num(usage.cpuMilli, 1, `${where}.usage.cpuMilli`),
      cpuMilliPerRequest: num(usage.cpuMilliPerRequest, 0, `${where}.usage.cpuMilliPerRequest`),
      memoryBytes: num(usage.memoryBytes, 4 * mi, `${where}.usage.memoryBytes`),
      memoryBytesPerRequest: num(usage.memoryBytesPerRequest, 0, `${where}.usage.memoryBytesPerRequest`),
    },
  };
}

function parseApp(raw: unknown, where: string): AppBehaviour {
  if (!isRecord(raw)) throw new CatalogError(`${where}: expected a mapping`);
  const ports =
    raw.ports === undefined ? [8080] : (raw.ports as unknown[]).map((p) => num(p, 0, `${where}.ports`));
  let exit: AppBehaviour['exit'];
  if (raw.exit !== undefined) {
    if (!isRecord(raw.exit)) throw new CatalogError(`${where}.exit: expected { afterMs, code }`);
    exit = {
      afterMs: num(raw.exit.afterMs, 0, `${where}.exit.afterMs`),
      code: num(raw.exit.code, 0, `${where}.exit.code`),
    };
  }
  if (raw.body !== undefined && typeof raw.body !== 'string')
    throw new CatalogError(`${where}.body: expected a string`);
  return {
    ports,
    body: raw.body ?? 'ok\n',
    status: num(raw.status, 200, `${where}.status`),
    startDelayMs: num(raw.startDelayMs, 0, `${where}.startDelayMs`),
    ...(exit === undefined ? {} : { exit }),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown, dflt: number, where: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new CatalogError(`${where}: expected a number ≥ 0`);
  return v;
}

function strings(v: unknown, where: string): string[] {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' && typeof s !== 'number')) {
    throw new CatalogError(`${where}: expected a list of strings`);
  }
  return v.map(String);
}

function stringRecord(v: unknown, where: string): Record<string, string> {
  if (v === undefined) return {};
  if (!isRecord(v) || Object.values(v).some((s) => typeof s !== 'string')) {
    throw new CatalogError(`${where}: expected path: content pairs`);
  }
  return v as Record<string, string>;
}
