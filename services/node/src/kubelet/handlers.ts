/**
 * Probe and lifecycle-hook handlers over real sockets (kubelet `prober/prober.go` and `lifecycle/handlers.go`):
 * exec through the sandbox, httpGet with node:http(s), tcpSocket with a real connect, and gRPC's standard
 * health service (`grpc.health.v1.Health/Check`) over node:http2. Each resolves with success and the text
 * Kubernetes puts in its Unhealthy event; none throws.
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import type { Container, HTTPGetAction, IntOrString, Pod, ProbeHandler } from '@kubelab/api-types';
import type { Sandbox } from '../runtime/types.js';

/** A handler's outcome. */
export interface HandlerResult {
  readonly ok: boolean;
  /** Why it failed (or the exec output), as Kubernetes words it. */
  readonly output: string;
}

/** What a handler runs against. */
export interface HandlerTarget {
  readonly sandbox: Sandbox;
  readonly container: Container;
  readonly podIP: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** A named or numbered port of the container (IntOrString); undefined when the name is unknown. */
export function resolvePort(container: Container, port: IntOrString): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** Runs whichever handler the probe or hook has. */
export async function runHandler(
  h: ProbeHandler & { sleep?: { seconds: number } },
  t: HandlerTarget,
): Promise<HandlerResult> {
  if (h.exec) return execHandler(h.exec.command ?? [], t);
  if (h.httpGet) return httpGetHandler(h.httpGet, t);
  if (h.tcpSocket) {
    const port = resolvePort(t.container, h.tcpSocket.port);
    if (port === undefined)
      return { ok: false, output: `unable to resolve port ${String(h.tcpSocket.port)}` };
    return tcpHandler(h.tcpSocket.host || t.podIP, port, t.timeoutMs);
  }
  if (h.grpc) return grpcHandler(t.podIP, h.grpc.port, h.grpc.service ?? '', t.timeoutMs);
  return { ok: false, output: 'missing probe handler' };
}

async function execHandler(command: readonly string[], t: HandlerTarget): Promise<HandlerResult> {
  try {
    const r = await t.sandbox.exec(t.container.name, command, {
      timeoutMs: t.timeoutMs,
      ...(t.signal ? { signal: t.signal } : {}),
    });
    const output = `${r.stdout}${r.stderr}`;
    if (r.exitCode === 0) return { ok: true, output };
    if (r.exitCode === 137 && output === '') {
      return {
        ok: false,
        output: `command timed out: "${command.join(' ')}" timed out after ${t.timeoutMs / 1000}s`,
      };
    }
    return { ok: false, output };
  } catch (err) {
    return { ok: false, output: err instanceof Error ? err.message : String(err) };
  }
}

/** httpGet: success is a status in [200, 400); redirects are not followed (Kubernetes follows local ones). */
export function httpGetHandler(a: HTTPGetAction, t: HandlerTarget): Promise<HandlerResult> {
  const port = resolvePort(t.container, a.port);
  if (port === undefined)
    return Promise.resolve({ ok: false, output: `unable to resolve port ${String(a.port)}` });
  const scheme = (a.scheme ?? 'HTTP').toUpperCase();
  const host = a.host || t.podIP;
  const path = a.path || '/';
  const url = `${scheme.toLowerCase()}://${host}:${port}${path}`;
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
  for (const h of a.httpHeaders ?? []) headers[h.name] = h.value;
  const mod = scheme === 'HTTPS' ? https : http;
  return new Promise((resolve) => {
    const req = mod.request(
      {
        host,
        port,
        path,
        method: 'GET',
        headers,
        timeout: t.timeoutMs,
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(
          code >= 200 && code < 400
            ? { ok: true, output: '' }
            : { ok: false, output: `HTTP probe failed with statuscode: ${code}` },
        );
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve({
        ok: false,
        output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ ok: false, output: `Get "${url}": ${dialError(host, port, err)}` }),
    );
    req.end();
  });
}

function dialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  if (err.code === 'ECONNRESET') return 'read: connection reset by peer';
  return `dial tcp ${host}:${port}: ${err.message}`;
}

/** tcpSocket: success is an accepted connection. */
export function tcpHandler(host: string, port: number, timeoutMs: number): Promise<HandlerResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (r: HandlerResult) => {
      sock.destroy();
      resolve(r);
    };
    sock.setTimeout(timeoutMs, () => done({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` }));
    sock.once('connect', () => done({ ok: true, output: '' }));
    sock.once('error', (err: NodeJS.ErrnoException) =>
      done({ ok: false, output: dialError(host, port, err) }),
    );
  });
}

/** The protobuf of `HealthCheckRequest{service}` in a gRPC length-prefixed message. */
function grpcRequest(service: string): Buffer {
  const svc = Buffer.from(service, 'utf8');
  const body = svc.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, svc.length]), svc]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

/** `HealthCheckResponse.status` (field 1, varint) from a gRPC message; 0 (UNKNOWN) if absent. */
function grpcStatus(data: Buffer): number {
  const body = data.subarray(5);
  return body[0] === 0x08 ? (body[1] ?? 0) : 0;
}

/** grpc: the standard health service must answer SERVING (1). */
export function grpcHandler(
  host: string,
  port: number,
  service: string,
  timeoutMs: number,
): Promise<HandlerResult> {
  return new Promise((resolve) => {
    const client = http2.connect(`http://${host}:${port}`);
    let settled = false;
    const finish = (r: HandlerResult) => {
      if (settled) return;
      settled = true;
      client.destroy();
      resolve(r);
    };
    // The session's idle timeout bounds the whole call: a health check exchanges one message each way.
    client.setTimeout(timeoutMs, () =>
      finish({ ok: false, output: `timeout: health rpc did not complete within ${timeoutMs / 1000}s` }),
    );
    client.on('error', (err: NodeJS.ErrnoException) =>
      finish({
        ok: false,
        output: `timeout: failed to connect service "${host}:${port}" within ${timeoutMs / 1000}s: ${err.message}`,
      }),
    );
    const req = client.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (err) => finish({ ok: false, output: err.message }));
    req.on('end', () => {
      const status = grpcStatus(Buffer.concat(chunks));
      finish(
        status === 1
          ? { ok: true, output: '' }
          : {
              ok: false,
              output: `service unhealthy (responded with "${status === 2 ? 'NOT_SERVING' : 'UNKNOWN'}")`,
            },
      );
    });
    req.end(grpcRequest(service));
  });
}

/** `name_namespace(uid)`: how the kubelet names a pod in messages (`format.Pod`). */
export function formatPod(pod: Pod): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
}

/**
 * Runs a lifecycle hook (kubelet `lifecycle.handlerRunner.Run`): exec fails on a non-zero exit, httpGet only
 * when no response arrives (the kubelet does not look at a hook's status code). `message` is the kubelet's
 * text for a failure (PostStartHookError's message, the FailedPreStopHook event).
 */
export async function runHook(
  h: ProbeHandler,
  t: HandlerTarget,
  pod: Pod,
): Promise<{ ok: boolean; message: string }> {
  const who = `for Container "${t.container.name}" in Pod "${formatPod(pod)}"`;
  if (h.exec) {
    const command = h.exec.command ?? [];
    let r: { exitCode: number; stdout: string; stderr: string };
    try {
      r = await t.sandbox.exec(t.container.name, command, {
        timeoutMs: t.timeoutMs,
        ...(t.signal ? { signal: t.signal } : {}),
      });
    } catch (err) {
      const e = err instanceof Error ? err.message : String(err);
      return {
        ok: false,
        message: `Exec lifecycle hook ([${command.join(' ')}]) ${who} failed - error: ${e}, message: ""`,
      };
    }
    if (r.exitCode === 0) return { ok: true, message: '' };
    const e = `command '${command.join(' ')}' exited with ${r.exitCode}: ${r.stderr}`;
    return {
      ok: false,
      message: `Exec lifecycle hook ([${command.join(' ')}]) ${who} failed - error: ${e}, message: ${JSON.stringify(r.stdout + r.stderr)}`,
    };
  }
  if (h.httpGet) {
    const r = await httpGetHandler(h.httpGet, t);
    if (r.ok || r.output.startsWith('HTTP probe failed with statuscode')) return { ok: true, message: '' };
    return {
      ok: false,
      message: `HTTP lifecycle hook (${h.httpGet.path ?? ''}) ${who} failed - error: ${r.output}`,
    };
  }
  const r = await runHandler(h, t);
  return r.ok ? { ok: true, message: '' } : { ok: false, message: r.output };
}
