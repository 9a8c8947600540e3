/**
 * Structured JSON logs (pino: the fastest mature JSON logger for Node, with child loggers for bound fields).
 * Every line carries `service` and `id`, so interleaved logs of a cluster stay attributable.
 */
import { type Logger as PinoLogger, pino } from 'pino';

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** The role: api, scheduler, controller, node, dns, launcher, … */
  readonly service: string;
  /** This replica's id, e.g. `api-0`. */
  readonly id?: string;
  readonly level?: string;
  /** Where lines go; stdout by default. */
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  const base = { service: opts.service, ...(opts.id === undefined ? {} : { id: opts.id }) };
  const options = {
    base,
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A logger that drops everything; for unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
