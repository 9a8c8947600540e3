export { FakeClock } from './fake-clock.js';
export { freePort, waitForPort } from './ports.js';
export {
  killAll,
  ServerProcess,
  spawnTracked,
  spawnTs,
  startNatsServer,
  startRedisServer,
} from './processes.js';
export { sleep, waitFor } from './wait.js';
