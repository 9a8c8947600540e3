/**
 * kube-proxy emulation: real TCP and UDP forwarding from ClusterIPs, NodePorts, LoadBalancer ingress IPs and
 * external IPs to ready endpoints. {@link startProxy} is the entry point; the rest is exported for tests.
 */
export type { Balancer } from './balancer.js';
export type { ListenerStatus, ProxierConfig } from './proxier.js';
export { ListenerState, Proxier } from './proxier.js';
export type { ProxyConfig, ProxyHandle, ProxyInformer, ProxyInformerSource } from './proxy.js';
export { startProxy } from './proxy.js';
export type { Backend, ProxyNode, ProxyProtocol, ProxyRule } from './rules.js';
export {
  DEFAULT_AFFINITY_TIMEOUT_SECONDS,
  FrontendKind,
  SERVICE_NAME_LABEL,
  computeProxyRules,
  isIPv4,
  ruleKey,
} from './rules.js';
