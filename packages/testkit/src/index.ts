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
export type {
  CheckFailure,
  CheckOptions,
  CheckResult,
  CompletedOperation,
  IndeterminateOperation,
  Model,
  Operation,
  StepResult,
} from './linearizability.js';
export { checkOperations } from './linearizability.js';
export type { KvInput, KvOperation, KvOutput, KvState } from './linearizability-kv.js';
export { describeKvInput, describeKvOutput, kvModel } from './linearizability-kv.js';
export type { WitnessResult } from './linearizability-witness.js';
export { checkWitness } from './linearizability-witness.js';
