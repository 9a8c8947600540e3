/** The EndpointSlice controller: `<service>-<suffix>` slices of at most 100 endpoints, owned by the Service. */
export { newEndpointSliceController } from './controller.js';
export {
  CONTROLLER_NAME,
  MANAGED_BY_LABEL,
  MAX_ENDPOINTS_PER_SLICE,
  SERVICE_NAME_LABEL,
  planSlices,
} from './reconcile.js';
