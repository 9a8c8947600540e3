export type { Clock, Timer } from './clock.js';
export { repeat, systemClock } from './clock.js';
export type { Rng } from './rng.js';
export { randomSeed, seededRng } from './rng.js';
