export type { BinarySpec } from './ensure.js';
export {
  ensureBinaries,
  findOnPath,
  KUBECTL,
  MissingBinaryError,
  NATS_SERVER,
  REDIS_SERVER,
} from './ensure.js';
export type { ServerCommand } from './commands.js';
export { natsServerCommand, redisServerCommand } from './commands.js';
