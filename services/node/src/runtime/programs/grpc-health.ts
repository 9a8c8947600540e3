/**
 * `kubelab/grpc-health`: the standard gRPC health service (grpc.health.v1.Health/Check) over h2c on the
 * container's ports (default 50051), for the kubelet's grpc probes. The answered status comes from the file
 * `/tmp/grpc-health-status` when it exists (`SERVING`, `NOT_SERVING`, …), so tests and users can flip it with
 * `kubectl exec … -- sh -c 'echo NOT_SERVING > /tmp/grpc-health-status'`.
 */
import { type ServerHttp2Stream, createServer, constants as h2 } from 'node:http2';
import { type CommandContext, type CommandFn, ProcessKilled } from '../shell/types.js';
import { AddressInUse, listenInPod, serverPorts, waitForSignal } from './serve.js';

const statusFile = '/tmp/grpc-health-status';
/** grpc.health.v1.HealthCheckResponse.ServingStatus. */
const servingStatus: Readonly<Record<string, number>> = {
  UNKNOWN: 0,
  SERVING: 1,
  NOT_SERVING: 2,
  SERVICE_UNKNOWN: 3,
};

/** Reads the `service` field (1, a string) of a HealthCheckRequest. */
export function decodeHealthCheckRequest(msg: Buffer): string {
  let i = 0;
  let service = '';
  while (i < msg.length) {
    const key = msg[i++] as number;
    if (key === 0x0a) {
      let len = 0;
      let shift = 0;
      for (;;) {
        const b = msg[i++] as number;
        len |= (b & 0x7f) << shift;
        shift += 7;
        if ((b & 0x80) === 0 || i >= msg.length) break;
      }
      service = msg.subarray(i, i + len).toString('utf8');
      i += len;
    } else break;
  }
  return service;
}

/** A length-prefixed gRPC message holding HealthCheckResponse{status}. */
export function encodeHealthCheckResponse(status: number): Buffer {
  const body = status === 0 ? Buffer.alloc(0) : Buffer.from([0x08, status]);
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  return frame;
}

function currentStatus(ctx: CommandContext): number {
  const { fs } = ctx.container;
  if (fs.stat(statusFile) !== 'file') return servingStatus.SERVING as number;
  return servingStatus[fs.readFile(statusFile).trim()] ?? (servingStatus.UNKNOWN as number);
}

function onStream(ctx: CommandContext, stream: ServerHttp2Stream, path: string): void {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('error', () => {});
  stream.on('end', () => {
    ctx.container.recordRequest();
    stream.respond(
      { [h2.HTTP2_HEADER_STATUS]: 200, 'content-type': 'application/grpc' },
      { waitForTrailers: true },
    );
    const trailers: Record<string, string> = { 'grpc-status': '0' };
    if (path === '/grpc.health.v1.Health/Check') {
      const req = Buffer.concat(chunks);
      const service = decodeHealthCheckRequest(req.subarray(5));
      if (service === '' || service === 'kubelab')
        stream.write(encodeHealthCheckResponse(currentStatus(ctx)));
      else Object.assign(trailers, { 'grpc-status': '5', 'grpc-message': 'unknown service' });
    } else Object.assign(trailers, { 'grpc-status': '12', 'grpc-message': `unknown method ${path}` });
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    stream.end();
  });
}

export const grpcHealth: CommandFn = async (ctx) => {
  const signals = waitForSignal(ctx, ['SIGTERM', 'SIGINT', 'SIGQUIT']);
  const closers: (() => Promise<void>)[] = [];
  try {
    for (const port of serverPorts(ctx, [50051])) {
      const server = createServer();
      server.on('stream', (stream, headers) => onStream(ctx, stream, String(headers[':path'] ?? '')));
      server.on('sessionError', () => {});
      closers.push(await listenInPod(ctx, server, port));
      ctx.io.out(`grpc health server listening on ${ctx.container.net.podIP}:${port}\n`);
    }
  } catch (e) {
    signals.stop();
    await Promise.all(closers.map((c) => c()));
    if (!(e instanceof AddressInUse)) throw e;
    ctx.io.err(`failed to listen: listen tcp :${e.port}: bind: address already in use\n`);
    return 1;
  }
  const sig = await signals.done;
  signals.stop();
  await Promise.all(closers.map((c) => c()));
  if (sig === 'SIGKILL' && ctx.killed()) throw new ProcessKilled('killed');
  return 0;
};
