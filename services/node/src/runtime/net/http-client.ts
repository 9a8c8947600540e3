/** Real HTTP from inside a pod (wget, curl): connections leave from the pod IP. */
import { request } from 'node:http';
import type { Clock } from '@kubelab/clock';
import type { NetContext } from './context.js';
import { resolveName } from './dns-client.js';

/** Why a request failed before a response, with curl's exit code. */
export class HttpClientError extends Error {
  override readonly name = 'HttpClientError';
  constructor(
    readonly kind: 'resolve' | 'connect' | 'timeout' | 'url',
    /** The host as written, or the connect error text. */
    readonly detail: string,
    readonly host: string,
    readonly port: number,
  ) {
    super(`${kind}: ${detail}`);
  }
}

export interface HttpRequestSpec {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly httpVersion: string;
  readonly headers: readonly [string, string][];
  readonly body: string;
}

/** Sends one request from the pod: resolves the host, connects from the pod IP, reads the whole body. */
export async function podHttpRequest(
  net: NetContext,
  clock: Clock,
  hostname: string,
  spec: HttpRequestSpec,
): Promise<HttpResponse> {
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(spec.url) ? spec.url : `http://${spec.url}`);
  } catch {
    throw new HttpClientError('url', spec.url, spec.url, 0);
  }
  if (url.protocol !== 'http:')
    throw new HttpClientError('url', `unsupported protocol ${url.protocol}`, url.hostname, 0);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port === '' ? 80 : Number(url.port);
  const abort = new AbortController();
  const signals = [abort.signal, ...(spec.signal ? [spec.signal] : [])];
  const timer =
    spec.timeoutMs === undefined ? undefined : clock.setTimer(spec.timeoutMs, () => abort.abort());
  try {
    const answer = await resolveName(net, clock, hostname, host, AbortSignal.any(signals));
    if (abort.signal.aborted) throw new HttpClientError('timeout', 'resolving timed out', host, port);
    const address = answer?.addresses[0];
    if (address === undefined) throw new HttpClientError('resolve', host, host, port);
    return await send(net, address, port, url, spec, AbortSignal.any(signals), host);
  } catch (e) {
    if (abort.signal.aborted && !(e instanceof HttpClientError && e.kind !== 'connect')) {
      throw new HttpClientError('timeout', 'timed out', host, port);
    }
    throw e;
  } finally {
    timer?.cancel();
  }
}

function send(
  net: NetContext,
  address: string,
  port: number,
  url: URL,
  spec: HttpRequestSpec,
  signal: AbortSignal,
  host: string,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: address,
      port,
      localAddress: net.podIP,
      method: spec.method ?? 'GET',
      path: `${url.pathname}${url.search}`,
      headers: { Host: url.host, 'User-Agent': 'Wget', Accept: '*/*', ...spec.headers },
      agent: false,
      signal,
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const text = err.code === 'ECONNREFUSED' ? 'Connection refused' : (err.code ?? err.message);
      reject(new HttpClientError('connect', text, host, port));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => reject(new HttpClientError('connect', err.message, host, port)));
      res.on('end', () => {
        const headers: [string, string][] = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          headers.push([res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string]);
        }
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          httpVersion: res.httpVersion,
          headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.end(spec.body);
  });
}
