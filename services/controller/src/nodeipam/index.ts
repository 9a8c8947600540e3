/** Node IPAM: each node's podCIDR from the cluster CIDR. */
export { CidrConfigError, CidrSet, type Cidr, formatCidr, parseCidr } from './cidr-set.js';
export { CIDR_NOT_AVAILABLE, NodeIpamController, newNodeIpamController, podCidrOf } from './node-ipam.js';
