/**
 * RFC 6902 JSON Patch (`application/json-patch+json`), as the Kubernetes API server applies it.
 *
 * Written here rather than taken from `fast-json-patch` (which is not installed, and whose `replace` on a
 * missing member silently adds it): Kubernetes needs `replace` on a missing path to fail, because
 * `kubectl rollout undo` relies on `replace /metadata/annotations` only applying when annotations exist.
 * Error details follow evanphx/json-patch (the library the API server uses), e.g.
 * `replace operation does not apply: doc is missing path: /metadata/annotations`.
 *
 * Deliberate differences from evanphx/json-patch v4: `replace` of a missing object member fails (RFC 6902
 * §4.3; v4 adds it), negative and zero-padded array indices are rejected (RFC 6901), `add`/`replace`/`test`
 * without `value` fail instead of using `null`, and the root (path `""`) may be added, replaced or tested.
 */

import { PatchError, badRequest, invalid } from './errors.js';
import {
  type JsonObject,
  type JsonValue,
  cloneJson,
  getOwn,
  hasOwn,
  isJsonObject,
  jsonEqual,
  setOwn,
} from './json.js';

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: JsonValue;
}

/** Kubernetes refuses JSON patches with more operations than this (HTTP 413). */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

type Container = JsonObject | JsonValue[];

/** The document being patched; a box so that operations on the root path can replace it. */
interface Doc {
  root: JsonValue;
}

/**
 * Applies `ops` to a copy of `doc` and returns the result; `doc` and `ops` are never mutated.
 * Throws {@link PatchError}: `BadRequest` when `ops` is not an array of objects, `RequestEntityTooLarge` above
 * {@link MAX_JSON_PATCH_OPERATIONS}, `Invalid` when an operation does not apply (the whole patch then fails).
 *
 * @example
 * applyJsonPatch({ spec: { replicas: 1 } }, [{ op: 'replace', path: '/spec/replicas', value: 3 }]);
 * // => { spec: { replicas: 3 } }
 */
export function applyJsonPatch(doc: JsonValue, ops: unknown): JsonValue {
  const operations = decodeOperations(ops);
  const state: Doc = { root: cloneJson(doc) };
  for (const op of operations) applyOperation(state, op);
  return state.root;
}

function decodeOperations(ops: unknown): JsonObject[] {
  if (!Array.isArray(ops)) {
    throw badRequest('json patch must be a JSON array of operations');
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError(
      'RequestEntityTooLarge',
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`,
    );
  }
  ops.forEach((op, i) => {
    if (!isJsonObject(op)) throw badRequest(`json patch operation ${i} is not a JSON object`);
  });
  return ops as JsonObject[];
}

function applyOperation(state: Doc, op: JsonObject): void {
  const kind = getOwn(op, 'op');
  switch (kind) {
    case 'add':
      addAt(state, pathOf(op, 'add'), operationValue(op, 'add'), 'add');
      break;
    case 'remove':
      removeOp(state, pathOf(op, 'remove'));
      break;
    case 'replace':
      replaceOp(state, pathOf(op, 'replace'), operationValue(op, 'replace'));
      break;
    case 'move':
      moveOp(state, fromOf(op, 'move'), pathOf(op, 'move'));
      break;
    case 'copy':
      copyOp(state, fromOf(op, 'copy'), pathOf(op, 'copy'));
      break;
    case 'test':
      testOp(state, pathOf(op, 'test'), operationValue(op, 'test'));
      break;
    default:
      throw invalid(`Unexpected kind: ${typeof kind === 'string' ? kind : 'unknown'}`);
  }
}

function pathOf(op: JsonObject, kind: string): string {
  const path = getOwn(op, 'path');
  if (typeof path !== 'string') throw invalid(`${kind} operation failed to decode path: missing path field`);
  return path;
}

function fromOf(op: JsonObject, kind: string): string {
  const from = getOwn(op, 'from');
  if (typeof from !== 'string') throw invalid(`${kind} operation failed to decode from: missing from field`);
  return from;
}

function operationValue(op: JsonObject, kind: string): JsonValue {
  if (!hasOwn(op, 'value')) throw invalid(`${kind} operation, missing value field`);
  // A copy, so that the result never shares structure with the caller's patch.
  return cloneJson(op.value as JsonValue);
}

/** Splits an RFC 6901 pointer into unescaped tokens; `undefined` when the pointer is malformed. */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens: string[] = [];
  for (const raw of pointer.slice(1).split('/')) {
    if (/~[^01]|~$/.test(raw)) return undefined;
    tokens.push(raw.replaceAll('~1', '/').replaceAll('~0', '~'));
  }
  return tokens;
}

/** An array index token per RFC 6901 (`0` or no leading zero); `undefined` otherwise. */
function arrayIndex(token: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : undefined;
}

function childOf(container: Container, token: string): JsonValue | undefined {
  if (Array.isArray(container)) {
    const i = arrayIndex(token);
    return i === undefined || i >= container.length ? undefined : container[i];
  }
  return getOwn(container, token);
}

/** The container holding the pointer's last token, or `undefined` when some ancestor is missing. */
function parentOf(state: Doc, tokens: readonly string[]): Container | undefined {
  let node: JsonValue | undefined = state.root;
  for (const token of tokens.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = childOf(node, token);
  }
  return typeof node === 'object' && node !== null ? node : undefined;
}

/** The value at `tokens`, or `undefined` when absent. */
function valueAt(state: Doc, tokens: readonly string[]): JsonValue | undefined {
  if (tokens.length === 0) return state.root;
  const parent = parentOf(state, tokens);
  return parent === undefined ? undefined : childOf(parent, tokens[tokens.length - 1] as string);
}

function addAt(state: Doc, path: string, value: JsonValue, kind: 'add' | 'move' | 'copy'): void {
  const missing = (): PatchError =>
    kind === 'add'
      ? invalid(`add operation does not apply: doc is missing path: "${path}"`)
      : invalid(`${kind} operation does not apply: doc is missing destination path: ${path}`);
  const tokens = parsePointer(path);
  if (tokens === undefined) throw missing();
  if (tokens.length === 0) {
    state.root = value;
    return;
  }
  const parent = parentOf(state, tokens);
  if (parent === undefined) throw missing();
  const key = tokens[tokens.length - 1] as string;
  if (!Array.isArray(parent)) {
    setOwn(parent, key, value);
    return;
  }
  const index = key === '-' ? parent.length : arrayIndex(key);
  if (index === undefined || index > parent.length) {
    throw invalid(`error in ${kind} for path: '${path}': Unable to access invalid index: ${key}`);
  }
  parent.splice(index, 0, value);
}

/** Removes and returns the value at `tokens`; the caller has checked that it exists. */
function detach(parent: Container, key: string): JsonValue {
  if (Array.isArray(parent)) {
    return parent.splice(arrayIndex(key) as number, 1)[0] as JsonValue;
  }
  const value = parent[key] as JsonValue;
  delete parent[key];
  return value;
}

function removeOp(state: Doc, path: string): void {
  const tokens = parsePointer(path);
  const parent = tokens === undefined || tokens.length === 0 ? undefined : parentOf(state, tokens);
  if (tokens === undefined || parent === undefined) {
    throw invalid(`remove operation does not apply: doc is missing path: "${path}"`);
  }
  const key = tokens[tokens.length - 1] as string;
  if (childOf(parent, key) === undefined) {
    const why = Array.isArray(parent)
      ? `Unable to access invalid index: ${key}`
      : `Unable to remove nonexistent key: ${key}: missing value`;
    throw invalid(`error in remove for path: '${path}': ${why}`);
  }
  detach(parent, key);
}

function replaceOp(state: Doc, path: string, value: JsonValue): void {
  const tokens = parsePointer(path);
  if (tokens !== undefined && tokens.length === 0) {
    state.root = value;
    return;
  }
  const parent = tokens === undefined ? undefined : parentOf(state, tokens);
  const key = tokens?.[tokens.length - 1];
  if (parent === undefined || key === undefined || childOf(parent, key) === undefined) {
    throw invalid(`replace operation does not apply: doc is missing path: ${path}`);
  }
  if (Array.isArray(parent)) parent[arrayIndex(key) as number] = value;
  else setOwn(parent, key, value);
}

function moveOp(state: Doc, from: string, path: string): void {
  const fromTokens = parsePointer(from);
  const value = fromTokens === undefined ? undefined : valueAt(state, fromTokens);
  if (fromTokens === undefined || value === undefined) {
    throw invalid(`move operation does not apply: doc is missing from path: ${from}`);
  }
  if (path === from) return;
  if (path.startsWith(`${from}/`)) {
    throw invalid(`move operation does not apply: from path ${from} is a prefix of path ${path}`);
  }
  if (fromTokens.length === 0) {
    throw invalid(`move operation does not apply: cannot move the whole document to ${path}`);
  }
  detach(parentOf(state, fromTokens) as Container, fromTokens[fromTokens.length - 1] as string);
  addAt(state, path, value, 'move');
}

function copyOp(state: Doc, from: string, path: string): void {
  const fromTokens = parsePointer(from);
  const value = fromTokens === undefined ? undefined : valueAt(state, fromTokens);
  if (value === undefined) throw invalid(`copy operation does not apply: doc is missing from path: ${from}`);
  addAt(state, path, cloneJson(value), 'copy');
}

function testOp(state: Doc, path: string, expected: JsonValue): void {
  const tokens = parsePointer(path);
  const actual = tokens === undefined ? undefined : valueAt(state, tokens);
  if (actual === undefined) throw invalid(`test operation does not apply: is missing path: ${path}`);
  if (!jsonEqual(actual, expected)) throw invalid(`testing value ${path} failed: test failed`);
}
