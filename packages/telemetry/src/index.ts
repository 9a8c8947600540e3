export type { Logger, LoggerOptions } from './logger.js';
export { createLogger, silentLogger } from './logger.js';
export type { Telemetry } from './tracing.js';
export { startTelemetry } from './tracing.js';
