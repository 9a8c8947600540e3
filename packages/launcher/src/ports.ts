import { type Server, createServer } from 'node:net';

/**
 * `n` distinct free TCP ports on 127.0.0.1: all are bound at once (so no two are equal), then released.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const srv = createServer();
      servers.push(srv);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen(0, '127.0.0.1', () => {
            const a = srv.address();
            if (a === null || typeof a === 'string') reject(new Error('no port'));
            else resolve(a.port);
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}
