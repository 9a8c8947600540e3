/** The Endpoints controller: one Endpoints per selecting Service, with ready and not-ready addresses. */
export { newEndpointsController } from './controller.js';
export {
  HEADLESS_LABEL,
  computeSubsets,
  desiredEndpoints,
  findPort,
  shouldPodBeInEndpoints,
} from './subsets.js';
