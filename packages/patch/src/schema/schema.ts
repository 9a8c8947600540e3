/**
 * Patch schemas: which fields of a kind are merged by key, merged as sets, or replaced, under strategic merge
 * patch. This is the compact, data-only equivalent of the `patchStrategy`/`patchMergeKey` struct tags of
 * `k8s.io/api` that apimachinery's `strategicpatch` reads through reflection.
 *
 * Schemas are written as flat tables keyed by dotted paths from the root of the kind, `[]` marking a step
 * into list elements, e.g. `'spec.template.spec.containers[].ports': merge('containerPort')`; and compiled
 * into a tree of {@link SchemaNode}s that the engine walks alongside the document.
 */

/** `merge`: merge list items by `mergeKey` (or as a set of primitives); `replace`: the patch value wins. */
export type PatchStrategy = 'merge' | 'replace';

/** Patch metadata of one field, as in a `patchStrategy`/`patchMergeKey` struct tag. */
export interface FieldPatchMeta {
  /** Unset means the default: maps merge key by key, lists are replaced. */
  readonly strategy?: PatchStrategy;
  /** For lists of objects with the `merge` strategy: the member identifying an item. */
  readonly mergeKey?: string;
  /**
   * The field carries the `retainKeys` strategy (a union such as `DeploymentStrategy`). The server honours a
   * `$retainKeys` directive wherever it appears, so this only documents where clients generate one.
   */
  readonly retainKeys?: boolean;
}

/** A flat schema table: dotted path (with `[]` for list items) → patch metadata. */
export type SchemaTable = Readonly<Record<string, FieldPatchMeta>>;

/** One compiled schema node: a field's patch metadata plus the schemas of its members (or its items'). */
export interface SchemaNode {
  readonly strategy: PatchStrategy | undefined;
  readonly mergeKey: string | undefined;
  readonly retainKeys: boolean;
  /** Member schemas; for a list, the members of each item. */
  readonly fields: ReadonlyMap<string, SchemaNode>;
}

/** The patch schema of one kind. */
export interface KindSchema {
  readonly group: string;
  readonly kind: string;
  /**
   * False for kinds kubelab has no table for (custom resources): only `metadata` strategies apply and every
   * other list is replaced, i.e. JSON merge patch semantics.
   */
  readonly known: boolean;
  readonly root: SchemaNode;
}

/** The schema with no strategies at all: strategic merge patch then behaves like JSON merge patch. */
export const EMPTY_SCHEMA_NODE: SchemaNode = Object.freeze({
  strategy: undefined,
  mergeKey: undefined,
  retainKeys: false,
  fields: new Map<string, SchemaNode>(),
});

/** `merge` strategy; with a key for lists of objects, without for primitive lists merged as sets. */
export function merge(mergeKey?: string): FieldPatchMeta {
  return mergeKey === undefined ? { strategy: 'merge' } : { strategy: 'merge', mergeKey };
}

/** `merge,retainKeys` (e.g. `spec.volumes`: items merge by name, each item is a union). */
export function mergeRetainKeys(mergeKey: string): FieldPatchMeta {
  return { strategy: 'merge', mergeKey, retainKeys: true };
}

/** `retainKeys` on a map (a union such as `spec.strategy`). */
export const retainKeys: FieldPatchMeta = Object.freeze({ retainKeys: true });

/**
 * An explicit `replace` (atomic) field. Lists are replaced by default anyway; tables list such fields to
 * record that having no merge key is deliberate (e.g. `spec.tolerations`).
 */
export const atomic: FieldPatchMeta = Object.freeze({ strategy: 'replace' });

/** Re-roots a table under `prefix`: `nest('spec.template', podTemplate)`. */
export function nest(prefix: string, table: SchemaTable): SchemaTable {
  const out: Record<string, FieldPatchMeta> = {};
  for (const [path, meta] of Object.entries(table)) out[`${prefix}.${path}`] = meta;
  return out;
}

interface MutableNode {
  strategy: PatchStrategy | undefined;
  mergeKey: string | undefined;
  retainKeys: boolean;
  fields: Map<string, MutableNode>;
}

function emptyNode(): MutableNode {
  return { strategy: undefined, mergeKey: undefined, retainKeys: false, fields: new Map() };
}

/**
 * Compiles tables (later entries win on conflict) into a frozen tree. Throws on programming errors in a
 * table: an empty path segment, or a merge key on a field whose strategy is not `merge`.
 */
export function compileSchema(...tables: readonly SchemaTable[]): SchemaNode {
  const root = emptyNode();
  for (const table of tables) {
    for (const [path, meta] of Object.entries(table)) {
      if (meta.mergeKey !== undefined && meta.strategy !== 'merge') {
        throw new Error(`schema ${path}: a merge key needs the merge strategy`);
      }
      let node = root;
      for (const segment of path.replaceAll('[]', '').split('.')) {
        if (segment === '') throw new Error(`schema path ${JSON.stringify(path)} has an empty segment`);
        let next = node.fields.get(segment);
        if (next === undefined) {
          next = emptyNode();
          node.fields.set(segment, next);
        }
        node = next;
      }
      node.strategy = meta.strategy;
      node.mergeKey = meta.mergeKey;
      node.retainKeys = meta.retainKeys ?? false;
    }
  }
  return freeze(root);
}

function freeze(node: MutableNode): SchemaNode {
  const fields = new Map<string, SchemaNode>();
  for (const [name, child] of node.fields) fields.set(name, freeze(child));
  return Object.freeze({
    strategy: node.strategy,
    mergeKey: node.mergeKey,
    retainKeys: node.retainKeys,
    fields,
  });
}

/** The schema of member `field` of a node (for a list node: of each item's member); empty when unknown. */
export function childSchema(node: SchemaNode, field: string): SchemaNode {
  return node.fields.get(field) ?? EMPTY_SCHEMA_NODE;
}

/**
 * The node at a dotted path (`[]` allowed and ignored), for tests and diagnostics.
 *
 * @example
 * lookupSchema(schemaFor('apps', 'Deployment').root, 'spec.template.spec.containers[].ports').mergeKey;
 * // => 'containerPort'
 */
export function lookupSchema(node: SchemaNode, path: string): SchemaNode {
  let current = node;
  for (const segment of path.replaceAll('[]', '').split('.')) {
    if (segment !== '') current = childSchema(current, segment);
  }
  return current;
}
