/**
 * The generic catalog app (`dotbalo/canary` and images declared in the catalog file): after its start
 * delay it answers HTTP on its ports with the configured body, may exit on its own, exits 0 on SIGTERM.
 */
import { createServer } from 'node:http';
import type { AppBehaviour } from '../catalog.js';
import { type CommandContext, type CommandFn, ProcessKilled } from '../shell/types.js';
import { AddressInUse, listenInPod, serverPorts, waitForSignal } from './serve.js';

const defaultBehaviour: AppBehaviour = { ports: [8080], body: 'ok\n', status: 200, startDelayMs: 0 };

function render(template: string, ctx: CommandContext, path: string): string {
  return template
    .replaceAll('{{tag}}', ctx.container.imageTag)
    .replaceAll('{{hostname}}', ctx.container.hostname)
    .replaceAll('{{path}}', path);
}

/** Waits `ms` unless a handled signal or a kill comes first; returns that signal, or undefined. */
async function delay(
  ctx: CommandContext,
  ms: number,
  signals: { done: Promise<string> },
): Promise<string | undefined> {
  if (ms <= 0) return undefined;
  const timer = new Promise<undefined>((resolve) => {
    const t = ctx.container.clock.setTimer(ms, () => resolve(undefined));
    void signals.done.then(() => t.cancel());
  });
  return Promise.race([timer, signals.done]);
}

export const app: CommandFn = async (ctx) => {
  const behaviour = ctx.container.image.app ?? defaultBehaviour;
  const signals = waitForSignal(ctx, ['SIGTERM', 'SIGINT', 'SIGQUIT']);
  const closers: (() => Promise<void>)[] = [];
  const finish = async (code: number | string): Promise<number> => {
    signals.stop();
    await Promise.all(closers.map((c) => c()));
    if (code === 'SIGKILL') {
      if (ctx.killed()) throw new ProcessKilled('killed');
      return 128 + 15;
    }
    return typeof code === 'number' ? code : 0;
  };
  const early = await delay(ctx, behaviour.startDelayMs, signals);
  if (early !== undefined) return finish(early);
  try {
    for (const port of serverPorts(ctx, behaviour.ports)) {
      const server = createServer((req, res) => {
        ctx.container.recordRequest();
        const body = render(behaviour.body, ctx, req.url ?? '/');
        res.writeHead(behaviour.status, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(body);
      });
      closers.push(await listenInPod(ctx, server, port));
      ctx.io.out(`listening on :${port}\n`);
    }
  } catch (e) {
    if (!(e instanceof AddressInUse)) throw e;
    ctx.io.err(`listen tcp :${e.port}: bind: address already in use\n`);
    return finish(1);
  }
  if (behaviour.exit !== undefined) {
    const sig = await delay(ctx, behaviour.exit.afterMs, signals);
    if (sig === undefined) ctx.io.out(`exiting with code ${behaviour.exit.code}\n`);
    return finish(sig ?? behaviour.exit.code);
  }
  return finish(await signals.done);
};

/** The pause container: does nothing until SIGTERM/SIGINT, then exits 0. */
export const pause: CommandFn = async (ctx) => {
  const signals = waitForSignal(ctx, ['SIGTERM', 'SIGINT']);
  const sig = await signals.done;
  signals.stop();
  if (sig === 'SIGKILL' && ctx.killed()) throw new ProcessKilled('killed');
  return 0;
};
