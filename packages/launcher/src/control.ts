/**
 * The supervisor's control endpoint: a tiny HTTP server on 127.0.0.1 through which `kubelab status|restart|down`
 * (separate CLI processes) reach the running supervisor. Routes: GET /status, POST /restart/<name>, POST /down.
 */
import { type Server, createServer } from 'node:http';
import type { ProcessState } from './state.js';

export interface ControlHandlers {
  status(): { phase: string; processes: ProcessState[] };
  restart(name: string): Promise<void>;
  down(): void;
}

export function startControlServer(h: ControlHandlers): Promise<{ server: Server; port: number }> {
  const server = createServer(async (req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET' && url.pathname === '/status') return send(200, h.status());
      const restart = /^\/restart\/([\w.-]+)$/.exec(url.pathname);
      if (req.method === 'POST' && restart?.[1]) {
        await h.restart(restart[1]);
        return send(200, { restarted: restart[1] });
      }
      if (req.method === 'POST' && url.pathname === '/down') {
        send(202, { stopping: true });
        return h.down();
      }
      send(404, { error: `no route ${req.method} ${url.pathname}` });
    } catch (err) {
      send(500, { error: err instanceof Error ? err.message : String(err) });
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('control server has no port'));
      resolve({ server, port: addr.port });
    });
  });
}

/** Calls the supervisor's control endpoint. */
export async function callControl<T>(
  port: number,
  method: 'GET' | 'POST',
  path: string,
  timeoutMs = 120_000,
): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `control ${method} ${path}: HTTP ${res.status}`);
  return body;
}
