/** The emulated cloud's service load balancer controller (ingress IPs for LoadBalancer services). */
export type { LoadBalancerDecision } from './allocation.js';
export {
  DEFAULT_LOADBALANCER_CIDR,
  decideLoadBalancer,
  ingressClaims,
  wantsLoadBalancer,
} from './allocation.js';
export {
  SERVICE_LB_CONTROLLER,
  ServiceLoadBalancerSyncer,
  newServiceLoadBalancerController,
} from './controller.js';
