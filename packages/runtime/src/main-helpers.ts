/**
 * The few lines every service main.ts shares: telemetry, logger, signal handling and exit codes. Kept here
 * so the entry points stay a handful of lines each.
 */
import { randomSeed, seededRng, systemClock } from '@kubelab/clock';
import { createLogger, startTelemetry } from '@kubelab/telemetry';
import { readServiceEnv } from './env.js';
import { type RunServiceOptions, runService } from './service.js';

/**
 * Runs a service as a process: reads the environment, starts telemetry, runs until SIGTERM/SIGINT, exits 0 on
 * a clean stop and 1 on a start-up failure.
 */
export async function serviceMain(
  role: string,
  env: NodeJS.ProcessEnv,
  opts: Pick<RunServiceOptions, 'start' | 'election'>,
): Promise<void> {
  const senv = readServiceEnv(env, role);
  const logger = createLogger({ service: role, id: senv.id, level: senv.logLevel });
  const telemetry = startTelemetry({ serviceName: `kubelab-${role}`, serviceInstanceId: senv.id, env });
  const seed = randomSeed();
  logger.info({ pid: process.pid, nats: senv.natsUrl, seed }, 'starting');
  try {
    const svc = await runService({ ...opts, env: senv, logger, clock: systemClock, rng: seededRng(seed) });
    const onSignal = (sig: string) => {
      void svc
        .shutdown(sig)
        .then(() => telemetry.shutdown())
        .then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, 'unclean shutdown');
            process.exit(1);
          },
        );
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    process.exit(1);
  }
}
