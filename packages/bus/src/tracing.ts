/**
 * W3C trace context over NATS headers, through `@opentelemetry/api` only: whatever propagator the process
 * installed (`startTelemetry` installs W3C trace-context) writes `traceparent`/`tracestate` into the message
 * headers on the sending side and reads them back on the receiving side, so one trace spans every hop.
 * Without a registered tracer provider all of this is a cheap no-op.
 */
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  type SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  context,
  propagation,
  trace,
} from '@opentelemetry/api';
import { Match, type MsgHdrs } from 'nats';

const TRACER_NAME = '@kubelab/bus';

/**
 * Detects a second, incompatible copy of `@opentelemetry/api`: the API keeps its globals under a symbol and
 * hides them from a copy with a newer minor version, so a tracer provider registered through another copy
 * (e.g. `@kubelab/telemetry`'s) would be silently invisible here and no trace would cross the bus. Returns a
 * description of the mismatch, or `undefined` when the bus sees the registered provider (or none is set).
 */
export function otelApiMismatch(): string | undefined {
  const registry = (globalThis as Record<symbol, { version?: string; trace?: unknown } | undefined>)[
    Symbol.for('opentelemetry.js.api.1')
  ];
  if (registry?.trace === undefined || trace.getTracerProvider() === registry.trace) return undefined;
  return `a tracer provider was registered by @opentelemetry/api ${registry.version ?? '?'}, which this copy cannot see (run npm dedupe)`;
}

/** Reads propagation fields from NATS headers (case-insensitively: header names are not canonicalised). */
export const headerGetter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => (carrier ? carrier.keys() : []),
  get: (carrier, key) => {
    if (!carrier?.has(key, Match.IgnoreCase)) return undefined;
    const values = carrier.values(key, Match.IgnoreCase);
    return values.length === 1 ? values[0] : values;
  },
};

/** Writes propagation fields into NATS headers. */
export const headerSetter: TextMapSetter<MsgHdrs> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/** Injects the trace context of `ctx` into `hdrs`. */
export function injectContext(ctx: Context, hdrs: MsgHdrs): void {
  propagation.inject(ctx, hdrs, headerSetter);
}

/**
 * Extracts the sender's trace context. It starts from the root context on purpose: a message handler must
 * continue the sender's trace, not whatever happened to be active in the subscription's callback.
 */
export function extractContext(hdrs: MsgHdrs | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, hdrs, headerGetter);
}

/** Messaging attributes (OpenTelemetry semantic conventions) for a span about `subject`. */
export function messagingAttributes(subject: string, operation: string, name: string): Attributes {
  return {
    'messaging.system': 'nats',
    'messaging.destination.name': subject,
    'messaging.operation.type': operation,
    'kubelab.bus.name': name,
  };
}

/** Starts a span of `kind` under `parent`; returns it with the context that has it active. */
export function startSpan(
  name: string,
  kind: SpanKind,
  parent: Context,
  attributes: Attributes,
): { span: Span; ctx: Context } {
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind, attributes }, parent);
  return { span, ctx: trace.setSpan(parent, span) };
}

/** Marks a span as failed with `err`. */
export function recordError(span: Span, err: unknown): void {
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/**
 * Runs `fn` inside a new span (active for everything `fn` awaits), records a thrown error on it, and ends it.
 */
export async function withSpan<T>(
  name: string,
  kind: SpanKind,
  parent: Context,
  attributes: Attributes,
  fn: (span: Span, ctx: Context) => Promise<T>,
): Promise<T> {
  const { span, ctx } = startSpan(name, kind, parent, attributes);
  try {
    return await context.with(ctx, () => fn(span, ctx));
  } catch (err) {
    recordError(span, err);
    throw err;
  } finally {
    span.end();
  }
}
