/** Listening on the pod IP for emulated servers: pod-wide port claims and real sockets. */
import type { Server, Socket } from 'node:net';
import type { CommandContext } from '../shell/types.js';

let nextClaim = 1;

/** Why a bind failed, as errno 98. */
export class AddressInUse extends Error {
  override readonly name = 'AddressInUse';
  constructor(readonly port: number) {
    super(`bind() to 0.0.0.0:${port} failed (98: Address already in use)`);
  }
}

/**
 * Claims `port` in the pod and makes `server` listen on podIP:port. The returned close function frees
 * both; the sandbox also closes it on destroy.
 */
export async function listenInPod(
  ctx: CommandContext,
  server: Server,
  port: number,
): Promise<() => Promise<void>> {
  const { net, name } = ctx.container;
  const owner = `${name}:${port}:${nextClaim++}`;
  if (!net.claimPort(port, owner)) throw new AddressInUse(port);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: net.podIP, port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    net.releasePort(port, owner);
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new AddressInUse(port);
    throw e;
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    untrack();
    net.releasePort(port, owner);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  };
  const untrack = net.track(close);
  return close;
}

/** Ports a server listens on: the container's declared ports, else the image default. */
export function serverPorts(ctx: CommandContext, defaults: readonly number[]): readonly number[] {
  return ctx.container.ports.length > 0 ? ctx.container.ports : defaults;
}

/**
 * Waits until the process is killed or a handled signal arrives; returns that signal's name, or throws
 * nothing and returns 'SIGKILL' when killed.
 */
export function waitForSignal(
  ctx: CommandContext,
  handled: readonly string[],
): { done: Promise<string>; stop: () => void } {
  let resolveFn: (sig: string) => void = () => {};
  const done = new Promise<string>((resolve) => {
    resolveFn = resolve;
  });
  const unregister = ctx.onSignal((sig) => {
    if (handled.includes(sig)) resolveFn(sig);
  });
  const onAbort = () => resolveFn('SIGKILL');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal.aborted) onAbort();
  return {
    done,
    stop: () => {
      unregister();
      ctx.signal.removeEventListener('abort', onAbort);
    },
  };
}
