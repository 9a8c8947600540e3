/**
 * meta.k8s.io/v1 Table shapes and the printer contract. A printer is the column set of one kind plus a pure
 * function from an object (and "now", for ages) to its row's cells, as kubernetes/pkg/printers defines them.
 * The server always prints wide (apiserver's TableConvertor uses `Wide: true`); kubectl hides priority-1
 * columns unless `-o wide`.
 */

export interface TableColumnDefinition {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

export interface TableRowCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface TableRow {
  readonly cells: readonly unknown[];
  readonly conditions?: readonly TableRowCondition[];
  /** PartialObjectMetadata by default, the full object with `includeObject=Object`, absent with `None`. */
  readonly object?: unknown;
}

export interface Table {
  readonly kind: 'Table';
  readonly apiVersion: string;
  readonly metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  readonly columnDefinitions: readonly TableColumnDefinition[];
  readonly rows: readonly TableRow[];
}

/** The cells (and conditions) of one object. */
export interface PrintedRow {
  readonly cells: unknown[];
  readonly conditions?: readonly TableRowCondition[];
}

/** One kind's columns and row function. */
export interface Printer {
  readonly columns: readonly TableColumnDefinition[];
  readonly row: (obj: Record<string, unknown>, nowMs: number) => PrintedRow;
}

/** ObjectMeta's swagger doc for `name`, the Name column's description everywhere. */
export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

/** ObjectMeta's swagger doc for `creationTimestamp`, the Age column's description everywhere. */
export const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const CONTAINERS_DESCRIPTION = 'Names of each container in the template.';
export const IMAGES_DESCRIPTION = 'Images referenced by each container in the template.';

/** A column definition (type `string` unless given; priority 0 unless given). */
export function column(
  name: string,
  description: string,
  o: { type?: string; format?: string; priority?: number } = {},
): TableColumnDefinition {
  return {
    name,
    type: o.type ?? 'string',
    format: o.format ?? '',
    description,
    priority: o.priority ?? 0,
  };
}

export const nameColumn = (o: { priority?: number } = {}): TableColumnDefinition =>
  column('Name', NAME_DESCRIPTION, { format: 'name', ...o });
export const ageColumn = (): TableColumnDefinition => column('Age', AGE_DESCRIPTION);
export const wide = (name: string, description: string, type = 'string'): TableColumnDefinition =>
  column(name, description, { type, priority: 1 });
