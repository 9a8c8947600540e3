export { type InFlightOptions, inFlight, isWatchRequest } from './in-flight.js';
