/**
 * The emulated filesystems: a {@link Volume} is an in-memory tree (a container's root filesystem or a pod
 * volume shared by its containers); a {@link ContainerFs} is one container's view, the root volume with pod
 * volumes mounted at their volumeMounts paths.
 */

/** An in-memory file tree. Paths are relative to the volume root, without a leading slash ('' is the root). */
export class Volume {
  /** Relative path → content. */
  readonly files = new Map<string, string>();
  /** Directories created explicitly; parents of files exist implicitly. */
  readonly dirs = new Set<string>(['']);

  constructor(files: Iterable<readonly [string, string]> = []) {
    for (const [path, content] of files) this.files.set(trimSlashes(path), content);
  }

  /** True when `rel` is a directory (explicit, or the parent of something). */
  isDir(rel: string): boolean {
    if (this.dirs.has(rel)) return true;
    const prefix = `${rel}/`;
    for (const p of this.files.keys()) if (p.startsWith(prefix)) return true;
    for (const d of this.dirs) if (d.startsWith(prefix)) return true;
    return false;
  }
}

/** A failed filesystem operation; `code` mirrors errno names. */
export class FsError extends Error {
  override readonly name = 'FsError';
  constructor(
    readonly code: 'ENOENT' | 'EISDIR' | 'ENOTDIR' | 'EROFS' | 'EEXIST' | 'ENOTEMPTY',
    readonly path: string,
  ) {
    super(`${path}: ${fsErrorText[code]}`);
  }
}

/** The texts busybox prints for each code. */
export const fsErrorText: Readonly<Record<FsError['code'], string>> = {
  ENOENT: 'No such file or directory',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EROFS: 'Read-only file system',
  EEXIST: 'File exists',
  ENOTEMPTY: 'Directory not empty',
};

/** A volume mounted in a container. */
export interface Mount {
  /** Absolute, normalized mount path. */
  readonly path: string;
  readonly volume: Volume;
  readonly readOnly: boolean;
}

/** Normalizes `path` against `cwd` into an absolute path without `.`/`..` or trailing slash. */
export function resolvePath(cwd: string, path: string): string {
  const parts: string[] = [];
  for (const seg of (path.startsWith('/') ? path : `${cwd}/${path}`).split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}

function trimSlashes(p: string): string {
  return p.replace(/^\/+|\/+$/g, '');
}

/** One container's filesystem view. Every path argument is absolute (resolve it with {@link resolvePath}). */
export class ContainerFs {
  private readonly mounts: Mount[];

  constructor(
    readonly root: Volume,
    mounts: readonly Mount[],
  ) {
    // Longest mount path first, so nested mounts win.
    this.mounts = [...mounts].sort((a, b) => b.path.length - a.path.length);
  }

  private locate(abs: string): { volume: Volume; rel: string; readOnly: boolean } {
    for (const m of this.mounts) {
      if (abs === m.path || abs.startsWith(`${m.path}/`)) {
        return { volume: m.volume, rel: trimSlashes(abs.slice(m.path.length)), readOnly: m.readOnly };
      }
    }
    return { volume: this.root, rel: trimSlashes(abs), readOnly: false };
  }

  /** 'file', 'dir' or undefined. Mount points are directories. */
  stat(abs: string): 'file' | 'dir' | undefined {
    const { volume, rel } = this.locate(abs);
    if (volume.files.has(rel)) return 'file';
    if (volume.isDir(rel) || this.mounts.some((m) => m.path === abs || m.path.startsWith(`${abs}/`)))
      return 'dir';
    return undefined;
  }

  readFile(abs: string): string {
    const { volume, rel } = this.locate(abs);
    const content = volume.files.get(rel);
    if (content !== undefined) return content;
    throw new FsError(this.stat(abs) === 'dir' ? 'EISDIR' : 'ENOENT', abs);
  }

  /** Creates or replaces (or, with `append`, extends) a file; its directory must exist. */
  writeFile(abs: string, content: string, append = false): void {
    const { volume, rel, readOnly } = this.locate(abs);
    if (readOnly) throw new FsError('EROFS', abs);
    if (this.stat(abs) === 'dir') throw new FsError('EISDIR', abs);
    const parent = abs.slice(0, abs.lastIndexOf('/')) || '/';
    const parentKind = this.stat(parent);
    if (parentKind !== 'dir') throw new FsError(parentKind === 'file' ? 'ENOTDIR' : 'ENOENT', abs);
    volume.files.set(rel, append ? (volume.files.get(rel) ?? '') + content : content);
  }

  mkdir(abs: string, parents: boolean): void {
    const kind = this.stat(abs);
    if (kind !== undefined) {
      if (parents && kind === 'dir') return;
      throw new FsError('EEXIST', abs);
    }
    const parent = abs.slice(0, abs.lastIndexOf('/')) || '/';
    if (this.stat(parent) === undefined) {
      if (!parents) throw new FsError('ENOENT', abs);
      this.mkdir(parent, true);
    }
    const { volume, rel, readOnly } = this.locate(abs);
    if (readOnly) throw new FsError('EROFS', abs);
    volume.dirs.add(rel);
  }

  /** Removes a file, or with `recursive` a directory tree. */
  remove(abs: string, recursive: boolean): void {
    const kind = this.stat(abs);
    if (kind === undefined) throw new FsError('ENOENT', abs);
    const { volume, rel, readOnly } = this.locate(abs);
    if (readOnly) throw new FsError('EROFS', abs);
    if (kind === 'file') {
      volume.files.delete(rel);
      return;
    }
    if (!recursive) throw new FsError('EISDIR', abs);
    const prefix = rel === '' ? '' : `${rel}/`;
    for (const p of [...volume.files.keys()]) if (p.startsWith(prefix)) volume.files.delete(p);
    for (const d of [...volume.dirs]) if (d.startsWith(prefix) && d !== '') volume.dirs.delete(d);
    if (rel !== '') volume.dirs.delete(rel);
  }

  /** Names directly inside directory `abs`, sorted. */
  list(abs: string): string[] {
    const kind = this.stat(abs);
    if (kind === undefined) throw new FsError('ENOENT', abs);
    if (kind === 'file') return [abs.slice(abs.lastIndexOf('/') + 1)];
    const { volume, rel } = this.locate(abs);
    const prefix = rel === '' ? '' : `${rel}/`;
    const names = new Set<string>();
    const add = (p: string) => {
      if (!p.startsWith(prefix) || p === rel) return;
      const name = p.slice(prefix.length).split('/')[0];
      if (name) names.add(name);
    };
    for (const p of volume.files.keys()) add(p);
    for (const d of volume.dirs) add(d);
    const absPrefix = abs === '/' ? '/' : `${abs}/`;
    for (const m of this.mounts) {
      if (m.path.startsWith(absPrefix)) {
        const name = m.path.slice(absPrefix.length).split('/')[0];
        if (name) names.add(name);
      }
    }
    return [...names].sort();
  }
}
