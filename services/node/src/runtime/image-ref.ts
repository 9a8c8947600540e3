/**
 * Image reference normalization, as containerd and the kubelet do it (docker/distribution's reference
 * grammar, simplified): `nginx` → `docker.io/library/nginx:latest`, `dotbalo/canary:v1` →
 * `docker.io/dotbalo/canary:v1`, `registry.k8s.io/pause:3.9` stays as it is.
 */

/** A parsed image reference. `repository` has no tag or digest (`docker.io/library/nginx`). */
export interface ImageRef {
  readonly domain: string;
  /** Path below the domain, e.g. `library/nginx`. */
  readonly path: string;
  readonly repository: string;
  /** `latest` when the reference had neither tag nor digest. */
  readonly tag: string;
  readonly digest?: string;
  /** The full normalized reference: `repository:tag` or `repository@digest`. */
  readonly normalized: string;
}

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

/**
 * Parses and normalizes `image`, or returns undefined when it is not a valid reference (the kubelet then
 * reports `InvalidImageName`).
 *
 * @example
 * parseImageRef('nginx')?.normalized; // 'docker.io/library/nginx:latest'
 */
export function parseImageRef(image: string): ImageRef | undefined {
  if (image === '' || image.trim() !== image) return undefined;
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) return undefined;
  }
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  const hasDomain = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const domain = hasDomain ? first : 'docker.io';
  let path = hasDomain ? rest.slice(slash + 1) : rest;
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (path.split('/').some((c) => !pathComponent.test(c))) return undefined;
  const repository = `${domain}/${path}`;
  const finalTag = tag ?? 'latest';
  const normalized =
    digest !== undefined
      ? `${repository}${tag === undefined ? '' : `:${tag}`}@${digest}`
      : `${repository}:${finalTag}`;
  return { domain, path, repository, tag: finalTag, ...(digest === undefined ? {} : { digest }), normalized };
}

/** The short name `kubectl describe` and node status show for a repository (`nginx`, `dotbalo/canary`). */
export function shortRepository(ref: ImageRef): string {
  if (ref.domain !== 'docker.io') return ref.repository;
  return ref.path.startsWith('library/') ? ref.path.slice('library/'.length) : ref.path;
}
