// Hand-written proto2 subsets of the k8s.io/apimachinery messages the decoder needs. Field numbers and
// types follow the upstream generated.proto files (checked against the descriptors compiled into kubectl
// by test/descriptors.test.ts); only the messages and fields listed here are decoded.
//
// Field options are ours and carry JSON knowledge the wire format lacks:
//   [(json) = "keep"]   emit the value even when it is the zero value (a Go pointer, or a json tag
//                       without omitempty); other scalar zero values are omitted.
//   [(json) = "inline"] the message's fields are merged into the parent object (`json:",inline"`).

export const RUNTIME_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.runtime;

message TypeMeta {
  optional string apiVersion = 1;
  optional string kind = 2;
}

message Unknown {
  optional TypeMeta typeMeta = 1;
  optional bytes raw = 2;
  optional string contentEncoding = 3;
  optional string contentType = 4;
}

message RawExtension {
  optional bytes raw = 1;
}
`;

export const INTSTR_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.util.intstr;

// JSON: a number (type 0) or a string (type 1).
message IntOrString {
  optional int64 type = 1;
  optional int32 intVal = 2;
  optional string strVal = 3;
}
`;

export const RESOURCE_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.api.resource;

// JSON: the string itself, e.g. "500m".
message Quantity {
  optional string string = 1;
}
`;

export const META_V1_PROTO = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.apis.meta.v1;

// JSON: RFC 3339 with second precision, or null when empty.
message Time {
  optional int64 seconds = 1;
  optional int32 nanos = 2;
}

// JSON: RFC 3339 with microseconds, or null when empty.
message MicroTime {
  optional int64 seconds = 1;
  optional int32 nanos = 2;
}

// JSON: the raw bytes parsed as JSON.
message FieldsV1 {
  optional bytes Raw = 1;
}

message ObjectMeta {
  optional string name = 1;
  optional string generateName = 2;
  optional string namespace = 3;
  optional string selfLink = 4;
  optional string uid = 5;
  optional string resourceVersion = 6;
  optional int64 generation = 7;
  optional Time creationTimestamp = 8;
  optional Time deletionTimestamp = 9;
  optional int64 deletionGracePeriodSeconds = 10 [(json) = "keep"];
  map<string, string> labels = 11;
  map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13;
  repeated string finalizers = 14;
  repeated ManagedFieldsEntry managedFields = 17;
}

message OwnerReference {
  optional string apiVersion = 5 [(json) = "keep"];
  optional string kind = 1 [(json) = "keep"];
  optional string name = 3 [(json) = "keep"];
  optional string uid = 4 [(json) = "keep"];
  optional bool controller = 6 [(json) = "keep"];
  optional bool blockOwnerDeletion = 7 [(json) = "keep"];
}

message ManagedFieldsEntry {
  optional string manager = 1;
  optional string operation = 2;
  optional string apiVersion = 3;
  optional Time time = 4;
  optional string fieldsType = 6;
  optional FieldsV1 fieldsV1 = 7;
  optional string subresource = 8;
}

message ListMeta {
  optional string selfLink = 1;
  optional string resourceVersion = 2;
  optional string continue = 3;
  optional int64 remainingItemCount = 4 [(json) = "keep"];
}

message LabelSelector {
  map<string, string> matchLabels = 1;
  repeated LabelSelectorRequirement matchExpressions = 2;
}

message LabelSelectorRequirement {
  optional string key = 1 [(json) = "keep"];
  optional string operator = 2 [(json) = "keep"];
  repeated string values = 3;
}

message Condition {
  optional string type = 1 [(json) = "keep"];
  optional string status = 2 [(json) = "keep"];
  optional int64 observedGeneration = 3;
  optional Time lastTransitionTime = 4;
  optional string reason = 5 [(json) = "keep"];
  optional string message = 6 [(json) = "keep"];
}

message DeleteOptions {
  optional int64 gracePeriodSeconds = 1 [(json) = "keep"];
  optional Preconditions preconditions = 2;
  optional bool orphanDependents = 3 [(json) = "keep"];
  optional string propagationPolicy = 4 [(json) = "keep"];
  repeated string dryRun = 5;
  optional bool ignoreStoreReadErrorWithClusterBreakingPotential = 6 [(json) = "keep"];
}

message Preconditions {
  optional string uid = 1 [(json) = "keep"];
  optional string resourceVersion = 2 [(json) = "keep"];
}
`;
