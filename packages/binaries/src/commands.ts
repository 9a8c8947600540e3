/**
 * Command lines for the external servers, shared by the launcher and the test kit so both run them the same way.
 */

export interface ServerCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/** nats-server on 127.0.0.1:`port`, no config file, no persistence (kubelab uses core NATS only). */
export function natsServerCommand(opts: {
  port: number;
  host?: string;
  monitorPort?: number;
}): ServerCommand {
  const args = ['-a', opts.host ?? '127.0.0.1', '-p', String(opts.port)];
  if (opts.monitorPort !== undefined) args.push('-m', String(opts.monitorPort));
  return { command: 'nats-server', args };
}

/**
 * redis-server on 127.0.0.1:`port`, with its files in `dir`. The append-only file with `appendfsync always`
 * is on by default: leases and the fencing-token counter must survive a restart (or a SIGKILL) of Redis, or
 * tokens could go backwards.
 */
export function redisServerCommand(opts: {
  port: number;
  dir: string;
  host?: string;
  appendOnly?: boolean;
}): ServerCommand {
  const appendOnly = opts.appendOnly ?? true;
  return {
    command: 'redis-server',
    args: [
      '--port',
      String(opts.port),
      '--bind',
      opts.host ?? '127.0.0.1',
      '--dir',
      opts.dir,
      '--save',
      '',
      '--appendonly',
      appendOnly ? 'yes' : 'no',
      '--appendfsync',
      'always',
      '--protected-mode',
      'no',
      '--daemonize',
      'no',
    ],
  };
}
