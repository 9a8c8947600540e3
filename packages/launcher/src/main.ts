/** Entry point of the `kubelab` command (see args.ts for usage). */
import { USAGE, UsageError, parseCli } from './args.js';
import { doctor, down, kill, logs, restart, status } from './commands.js';
import { supervise, up } from './up.js';

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), process.env, process.cwd());
  switch (args.command) {
    case 'up':
      return up(args);
    case 'supervise':
      return supervise(args);
    case 'down':
      return down(args);
    case 'status':
      return status(args);
    case 'logs':
      return logs(args);
    case 'kill':
      return kill(args);
    case 'restart':
      return restart(args);
    case 'doctor':
      return doctor(args);
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command "${args.command}"`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`kubelab: ${err instanceof Error ? err.message : String(err)}\n`);
    if (err instanceof UsageError) process.stderr.write(USAGE);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
