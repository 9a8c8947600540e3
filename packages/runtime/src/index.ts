export type { ServiceEnv } from './env.js';
export { readServiceEnv, ServiceEnvError } from './env.js';
export { serviceMain } from './main-helpers.js';
export type { RoleWork, RunningService, RunServiceOptions, ServiceContext } from './service.js';
export { runService } from './service.js';
