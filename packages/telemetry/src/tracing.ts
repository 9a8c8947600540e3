/**
 * OpenTelemetry wiring. Library code uses `@opentelemetry/api` only; entry points call {@link startTelemetry},
 * which always installs the W3C trace-context propagator (so context crosses NATS hops) and starts an OTLP
 * exporter when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface Telemetry {
  shutdown(): Promise<void>;
}

/**
 * Installs the propagator and, if an OTLP endpoint is configured (or `processors` are given, as tests do),
 * a tracer provider. Safe to call once per process.
 */
export function startTelemetry(opts: {
  serviceName: string;
  serviceInstanceId?: string;
  env?: NodeJS.ProcessEnv;
  processors?: SpanProcessor[];
}): Telemetry {
  const env = opts.env ?? process.env;
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const processors = [...(opts.processors ?? [])];
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  if (processors.length === 0) return { shutdown: async () => {} };
  const provider = new NodeTracerProvider({
    resource: new Resource({
      'service.name': opts.serviceName,
      ...(opts.serviceInstanceId ? { 'service.instance.id': opts.serviceInstanceId } : {}),
    }),
    spanProcessors: processors,
  });
  provider.register();
  return {
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}
