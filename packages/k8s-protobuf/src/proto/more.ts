// Hand-written proto2 subsets of k8s.io/api networking/v1, coordination/v1, discovery/v1 and policy/v1
// (see apimachinery.ts for the (json) options).

export const NETWORKING_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.networking.v1;

message Ingress {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional IngressSpec spec = 2;
  optional IngressStatus status = 3;
}

message IngressSpec {
  optional string ingressClassName = 4 [(json) = "keep"];
  optional IngressBackend defaultBackend = 1;
  repeated IngressTLS tls = 2;
  repeated IngressRule rules = 3;
}

message IngressBackend {
  optional IngressServiceBackend service = 4;
  optional k8s.io.api.core.v1.TypedLocalObjectReference resource = 3;
}

message IngressServiceBackend {
  optional string name = 1 [(json) = "keep"];
  optional ServiceBackendPort port = 2;
}

message ServiceBackendPort {
  optional string name = 1;
  optional int32 number = 2;
}

message IngressTLS {
  repeated string hosts = 1;
  optional string secretName = 2;
}

message IngressRule {
  optional string host = 1;
  optional IngressRuleValue ingressRuleValue = 2 [(json) = "inline"];
}

message IngressRuleValue {
  optional HTTPIngressRuleValue http = 1;
}

message HTTPIngressRuleValue {
  repeated HTTPIngressPath paths = 1;
}

message HTTPIngressPath {
  optional string path = 1;
  optional string pathType = 3 [(json) = "keep"];
  optional IngressBackend backend = 2;
}

message IngressStatus {
  optional IngressLoadBalancerStatus loadBalancer = 1;
}

message IngressLoadBalancerStatus {
  repeated IngressLoadBalancerIngress ingress = 1;
}

message IngressLoadBalancerIngress {
  optional string ip = 1;
  optional string hostname = 2;
  repeated IngressPortStatus ports = 4;
}

message IngressPortStatus {
  optional int32 port = 1 [(json) = "keep"];
  optional string protocol = 2 [(json) = "keep"];
  optional string error = 3 [(json) = "keep"];
}
`;

export const COORDINATION_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.coordination.v1;

message Lease {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional LeaseSpec spec = 2;
}

message LeaseSpec {
  optional string holderIdentity = 1 [(json) = "keep"];
  optional int32 leaseDurationSeconds = 2 [(json) = "keep"];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime acquireTime = 3;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime renewTime = 4;
  optional int32 leaseTransitions = 5 [(json) = "keep"];
  optional string strategy = 6 [(json) = "keep"];
  optional string preferredHolder = 7 [(json) = "keep"];
}
`;

export const DISCOVERY_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.discovery.v1;

message EndpointSlice {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional string addressType = 4 [(json) = "keep"];
  repeated Endpoint endpoints = 2;
  repeated EndpointPort ports = 3;
}

message Endpoint {
  repeated string addresses = 1;
  optional EndpointConditions conditions = 2;
  optional string hostname = 3 [(json) = "keep"];
  optional k8s.io.api.core.v1.ObjectReference targetRef = 4;
  map<string, string> deprecatedTopology = 5;
  optional string nodeName = 6 [(json) = "keep"];
  optional string zone = 7 [(json) = "keep"];
  optional EndpointHints hints = 8;
}

message EndpointConditions {
  optional bool ready = 1 [(json) = "keep"];
  optional bool serving = 2 [(json) = "keep"];
  optional bool terminating = 3 [(json) = "keep"];
}

message EndpointHints {
  repeated ForZone forZones = 1;
}

message ForZone {
  optional string name = 1 [(json) = "keep"];
}

message EndpointPort {
  optional string name = 1 [(json) = "keep"];
  optional string protocol = 2 [(json) = "keep"];
  optional int32 port = 3 [(json) = "keep"];
  optional string appProtocol = 4 [(json) = "keep"];
}
`;

export const POLICY_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.policy.v1;

// The pods/eviction subresource body (kubectl drain).
message Eviction {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions deleteOptions = 2;
}
`;
