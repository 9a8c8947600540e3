import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Telemetry, startTelemetry } from '@kubelab/telemetry';
import { killAll, startNatsServer, waitFor } from '@kubelab/testkit';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { type Bus, BusError } from '../src/index.js';
import { otelApiMismatch } from '../src/tracing.js';
import { events, echo, testBus } from './helpers.js';

describe('trace context', () => {
  const exporter = new InMemorySpanExporter();
  let telemetry: Telemetry;
  let server: Awaited<ReturnType<typeof startNatsServer>>;
  let a: Bus;
  let b: Bus;

  before(async () => {
    telemetry = startTelemetry({ serviceName: 'bus-test', processors: [new SimpleSpanProcessor(exporter)] });
    server = await startNatsServer();
    [a, b] = await Promise.all([testBus(server.url, 'a'), testBus(server.url, 'b')]);
    // Fails loudly if two copies of @opentelemetry/api are installed whose globals do not see each other.
    assert.equal(otelApiMismatch(), undefined);
    const probe = trace.getTracer('test').startSpan('probe');
    assert.ok(probe.isRecording(), 'no tracer provider visible to the bus');
    probe.end();
  });

  after(async () => {
    await Promise.all([a?.drain(), b?.drain()]);
    await killAll();
    await telemetry?.shutdown();
  });

  const spanNamed = (name: string, traceId: string): ReadableSpan | undefined =>
    exporter.getFinishedSpans().find((s) => s.name === name && s.spanContext().traceId === traceId);

  test('trace - request → server span continues the caller trace', async () => {
    let handlerTraceId: string | undefined;
    await b.serve(echo('t'), (req) => {
      handlerTraceId = trace.getActiveSpan()?.spanContext().traceId;
      return { ...req, by: 'b' };
    });
    const tracer = trace.getTracer('test');
    const root = tracer.startSpan('root');
    await context.with(trace.setSpan(context.active(), root), () =>
      a.request(echo('t'), { text: 'x', n: 1 }),
    );
    root.end();
    const traceId = root.spanContext().traceId;

    const client = await waitFor(() => spanNamed('test.echo send', traceId), { what: 'client span' });
    const server = await waitFor(() => spanNamed('test.echo process', traceId), { what: 'server span' });
    assert.equal(client.kind, SpanKind.CLIENT);
    assert.equal(client.parentSpanId, root.spanContext().spanId);
    assert.equal(server.kind, SpanKind.SERVER);
    assert.equal(server.parentSpanId, client.spanContext().spanId);
    assert.equal(server.attributes['messaging.destination.name'], 'kubelab.test.echo.t');
    assert.equal(handlerTraceId, traceId, 'the handler runs inside the server span');
  });

  test('trace - a failing handler marks both spans as errors', async () => {
    await b.serve(echo('terr'), () => {
      throw new BusError('Conflict', 'stale');
    });
    const root = trace.getTracer('test').startSpan('root-err');
    const traceId = root.spanContext().traceId;
    await context
      .with(trace.setSpan(context.active(), root), () => a.request(echo('terr'), { text: 'x', n: 1 }))
      .catch(() => {});
    root.end();
    const client = await waitFor(() => spanNamed('test.echo send', traceId), { what: 'client span' });
    const server = await waitFor(() => spanNamed('test.echo process', traceId), { what: 'server span' });
    assert.equal(client.status.code, 2);
    assert.equal(server.status.code, 2);
    assert.equal(server.status.message, 'stale');
  });

  test('trace - publish → consumer span continues the producer trace', async () => {
    const s = b.subscribe(events('t'));
    await b.flush();
    const root = trace.getTracer('test').startSpan('root-pub');
    const traceId = root.spanContext().traceId;
    context.with(trace.setSpan(context.active(), root), () => a.publish(events('t'), { seq: 1 }));
    root.end();
    for await (const m of s) {
      assert.equal(trace.getSpan(m.context)?.spanContext().traceId, traceId);
      break;
    }
    const producer = await waitFor(() => spanNamed('test.events publish', traceId), {
      what: 'producer span',
    });
    const consumer = await waitFor(() => spanNamed('test.events process', traceId), {
      what: 'consumer span',
    });
    assert.equal(producer.kind, SpanKind.PRODUCER);
    assert.equal(producer.parentSpanId, root.spanContext().spanId);
    assert.equal(consumer.kind, SpanKind.CONSUMER);
    assert.equal(consumer.parentSpanId, producer.spanContext().spanId);
  });
});
