// Hand-written proto2 subsets of k8s.io/api apps/v1, batch/v1, autoscaling/v1 and autoscaling/v2 (see
// apimachinery.ts for the (json) options).

export const APPS_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.apps.v1;

message Deployment {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional DeploymentSpec spec = 2;
  optional DeploymentStatus status = 3;
}

message DeploymentList {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta metadata = 1;
  repeated Deployment items = 2;
}

message DeploymentSpec {
  optional int32 replicas = 1 [(json) = "keep"];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2;
  optional k8s.io.api.core.v1.PodTemplateSpec template = 3;
  optional DeploymentStrategy strategy = 4;
  optional int32 minReadySeconds = 5;
  optional int32 revisionHistoryLimit = 6 [(json) = "keep"];
  optional bool paused = 7;
  optional int32 progressDeadlineSeconds = 9 [(json) = "keep"];
}

message DeploymentStrategy {
  optional string type = 1;
  optional RollingUpdateDeployment rollingUpdate = 2;
}

message RollingUpdateDeployment {
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString maxUnavailable = 1;
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString maxSurge = 2;
}

message DeploymentStatus {
  optional int64 observedGeneration = 1;
  optional int32 replicas = 2;
  optional int32 updatedReplicas = 3;
  optional int32 readyReplicas = 7;
  optional int32 availableReplicas = 4;
  optional int32 unavailableReplicas = 5;
  repeated DeploymentCondition conditions = 6;
  optional int32 collisionCount = 8 [(json) = "keep"];
}

message DeploymentCondition {
  optional string type = 1 [(json) = "keep"];
  optional string status = 2 [(json) = "keep"];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastUpdateTime = 6;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 7;
  optional string reason = 4;
  optional string message = 5;
}

message ReplicaSet {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional ReplicaSetSpec spec = 2;
  optional ReplicaSetStatus status = 3;
}

message ReplicaSetSpec {
  optional int32 replicas = 1 [(json) = "keep"];
  optional int32 minReadySeconds = 4;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2;
  optional k8s.io.api.core.v1.PodTemplateSpec template = 3;
}

message ReplicaSetStatus {
  optional int32 replicas = 1 [(json) = "keep"];
  optional int32 fullyLabeledReplicas = 2;
  optional int32 readyReplicas = 4;
  optional int32 availableReplicas = 5;
  optional int64 observedGeneration = 3;
  repeated ReplicaSetCondition conditions = 6;
}

message ReplicaSetCondition {
  optional string type = 1 [(json) = "keep"];
  optional string status = 2 [(json) = "keep"];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 3;
  optional string reason = 4;
  optional string message = 5;
}

message StatefulSet {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional StatefulSetSpec spec = 2;
  optional StatefulSetStatus status = 3;
}

message StatefulSetSpec {
  optional int32 replicas = 1 [(json) = "keep"];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2;
  optional k8s.io.api.core.v1.PodTemplateSpec template = 3;
  repeated k8s.io.api.core.v1.PersistentVolumeClaim volumeClaimTemplates = 4;
  optional string serviceName = 5;
  optional string podManagementPolicy = 6;
  optional StatefulSetUpdateStrategy updateStrategy = 7;
  optional int32 revisionHistoryLimit = 8 [(json) = "keep"];
  optional int32 minReadySeconds = 9;
  optional StatefulSetPersistentVolumeClaimRetentionPolicy persistentVolumeClaimRetentionPolicy = 10;
  optional StatefulSetOrdinals ordinals = 11;
}

message StatefulSetUpdateStrategy {
  optional string type = 1;
  optional RollingUpdateStatefulSetStrategy rollingUpdate = 2;
}

message RollingUpdateStatefulSetStrategy {
  optional int32 partition = 1 [(json) = "keep"];
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString maxUnavailable = 2;
}

message StatefulSetPersistentVolumeClaimRetentionPolicy {
  optional string whenDeleted = 1;
  optional string whenScaled = 2;
}

message StatefulSetOrdinals {
  optional int32 start = 1;
}

message StatefulSetStatus {
  optional int64 observedGeneration = 1;
  optional int32 replicas = 2 [(json) = "keep"];
  optional int32 readyReplicas = 3;
  optional int32 currentReplicas = 4;
  optional int32 updatedReplicas = 5;
  optional string currentRevision = 6;
  optional string updateRevision = 7;
  optional int32 collisionCount = 9 [(json) = "keep"];
  repeated StatefulSetCondition conditions = 10;
  optional int32 availableReplicas = 11 [(json) = "keep"];
}

message StatefulSetCondition {
  optional string type = 1 [(json) = "keep"];
  optional string status = 2 [(json) = "keep"];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 3;
  optional string reason = 4;
  optional string message = 5;
}

message DaemonSet {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional DaemonSetSpec spec = 2;
  optional DaemonSetStatus status = 3;
}

message DaemonSetSpec {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 1;
  optional k8s.io.api.core.v1.PodTemplateSpec template = 2;
  optional DaemonSetUpdateStrategy updateStrategy = 3;
  optional int32 minReadySeconds = 4;
  optional int32 revisionHistoryLimit = 6 [(json) = "keep"];
}

message DaemonSetUpdateStrategy {
  optional string type = 1;
  optional RollingUpdateDaemonSet rollingUpdate = 2;
}

message RollingUpdateDaemonSet {
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString maxUnavailable = 1;
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString maxSurge = 2;
}

message DaemonSetStatus {
  optional int32 currentNumberScheduled = 1 [(json) = "keep"];
  optional int32 numberMisscheduled = 2 [(json) = "keep"];
  optional int32 desiredNumberScheduled = 3 [(json) = "keep"];
  optional int32 numberReady = 4 [(json) = "keep"];
  optional int64 observedGeneration = 5;
  optional int32 updatedNumberScheduled = 6;
  optional int32 numberAvailable = 7;
  optional int32 numberUnavailable = 8;
  optional int32 collisionCount = 9 [(json) = "keep"];
  repeated DaemonSetCondition conditions = 10;
}

message DaemonSetCondition {
  optional string type = 1 [(json) = "keep"];
  optional string status = 2 [(json) = "keep"];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 3;
  optional string reason = 4;
  optional string message = 5;
}

message ControllerRevision {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional k8s.io.apimachinery.pkg.runtime.RawExtension data = 2;
  optional int64 revision = 3 [(json) = "keep"];
}
`;

export const BATCH_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.batch.v1;

message Job {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional JobSpec spec = 2;
  optional JobStatus status = 3;
}

message JobList {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta metadata = 1;
  repeated Job items = 2;
}

message JobSpec {
  optional int32 parallelism = 1 [(json) = "keep"];
  optional int32 completions = 2 [(json) = "keep"];
  optional int64 activeDeadlineSeconds = 3 [(json) = "keep"];
  optional PodFailurePolicy podFailurePolicy = 11;
  optional SuccessPolicy successPolicy = 16;
  optional int32 backoffLimit = 7 [(json) = "keep"];
  optional int32 backoffLimitPerIndex = 12 [(json) = "keep"];
  optional int32 maxFailedIndexes = 13 [(json) = "keep"];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 4;
  optional bool manualSelector = 5 [(json) = "keep"];
  optional k8s.io.api.core.v1.PodTemplateSpec template = 6;
  optional int32 ttlSecondsAfterFinished = 8 [(json) = "keep"];
  optional string completionMode = 9 [(json) = "keep"];
  optional bool suspend = 10 [(json) = "keep"];
  optional string podReplacementPolicy = 14 [(json) = "keep"];
  optional string managedBy = 15 [(json) = "keep"];
}

message PodFailurePolicy {
  repeated PodFailurePolicyRule rules = 1;
}

message PodFailurePolicyRule {
  optional string action = 1 [(json) = "keep"];
  optional PodFailurePolicyOnExitCodesRequirement onExitCodes = 2;
  repeated PodFailurePolicyOnPodConditionsPattern onPodConditions = 3;
}

message PodFailurePolicyOnExitCodesRequirement {
  optional string containerName = 1 [(json) = "keep"];
  optional string operator = 2 [(json) = "keep"];
  repeated int32 values = 3;
}

message PodFailurePolicyOnPodConditionsPattern {
  optional string type = 1 [(json) = "keep"];
  optional string status = 2 [(json) = "keep"];
}

message SuccessPolicy {
  repeated SuccessPolicyRule rules = 1;
}

message SuccessPolicyRule {
  optional string succeededIndexes = 1 [(json) = "keep"];
  optional int32 succeededCount = 2 [(json) = "keep"];
}

message JobStatus {
  repeated JobCondition conditions = 1;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time startTime = 2;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time completionTime = 3;
  optional int32 active = 4;
  optional int32 succeeded = 5;
  optional int32 failed = 6;
  optional int32 terminating = 11 [(json) = "keep"];
  optional string completedIndexes = 7;
  optional string failedIndexes = 10 [(json) = "keep"];
  optional UncountedTerminatedPods uncountedTerminatedPods = 8;
  optional int32 ready = 9 [(json) = "keep"];
}

message UncountedTerminatedPods {
  repeated string succeeded = 1;
  repeated string failed = 2;
}

message JobCondition {
  optional string type = 1 [(json) = "keep"];
  optional string status = 2 [(json) = "keep"];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastProbeTime = 3;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}

message JobTemplateSpec {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional JobSpec spec = 2;
}

message CronJob {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional CronJobSpec spec = 2;
  optional CronJobStatus status = 3;
}

message CronJobSpec {
  optional string schedule = 1 [(json) = "keep"];
  optional string timeZone = 8 [(json) = "keep"];
  optional int64 startingDeadlineSeconds = 2 [(json) = "keep"];
  optional string concurrencyPolicy = 3;
  optional bool suspend = 4 [(json) = "keep"];
  optional JobTemplateSpec jobTemplate = 5;
  optional int32 successfulJobsHistoryLimit = 6 [(json) = "keep"];
  optional int32 failedJobsHistoryLimit = 7 [(json) = "keep"];
}

message CronJobStatus {
  repeated k8s.io.api.core.v1.ObjectReference active = 1;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastScheduleTime = 4;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastSuccessfulTime = 5;
}
`;

export const AUTOSCALING_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.autoscaling.v1;

message HorizontalPodAutoscaler {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional HorizontalPodAutoscalerSpec spec = 2;
  optional HorizontalPodAutoscalerStatus status = 3;
}

message HorizontalPodAutoscalerSpec {
  optional CrossVersionObjectReference scaleTargetRef = 1;
  optional int32 minReplicas = 2 [(json) = "keep"];
  optional int32 maxReplicas = 3 [(json) = "keep"];
  optional int32 targetCPUUtilizationPercentage = 4 [(json) = "keep"];
}

message HorizontalPodAutoscalerStatus {
  optional int64 observedGeneration = 1 [(json) = "keep"];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastScaleTime = 2;
  optional int32 currentReplicas = 3 [(json) = "keep"];
  optional int32 desiredReplicas = 4 [(json) = "keep"];
  optional int32 currentCPUUtilizationPercentage = 5 [(json) = "keep"];
}

message CrossVersionObjectReference {
  optional string kind = 1 [(json) = "keep"];
  optional string name = 2 [(json) = "keep"];
  optional string apiVersion = 3;
}

message Scale {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional ScaleSpec spec = 2;
  optional ScaleStatus status = 3;
}

message ScaleSpec {
  optional int32 replicas = 1;
}

message ScaleStatus {
  optional int32 replicas = 1 [(json) = "keep"];
  optional string selector = 2;
}
`;

export const AUTOSCALING_V2_PROTO = `
syntax = "proto2";
package k8s.io.api.autoscaling.v2;

message HorizontalPodAutoscaler {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional HorizontalPodAutoscalerSpec spec = 2;
  optional HorizontalPodAutoscalerStatus status = 3;
}

message HorizontalPodAutoscalerSpec {
  optional CrossVersionObjectReference scaleTargetRef = 1;
  optional int32 minReplicas = 2 [(json) = "keep"];
  optional int32 maxReplicas = 3 [(json) = "keep"];
  repeated MetricSpec metrics = 4;
  optional HorizontalPodAutoscalerBehavior behavior = 5;
}

message CrossVersionObjectReference {
  optional string kind = 1 [(json) = "keep"];
  optional string name = 2 [(json) = "keep"];
  optional string apiVersion = 3;
}

message MetricSpec {
  optional string type = 1 [(json) = "keep"];
  optional ObjectMetricSource object = 2;
  optional PodsMetricSource pods = 3;
  optional ResourceMetricSource resource = 4;
  optional ContainerResourceMetricSource containerResource = 7;
  optional ExternalMetricSource external = 5;
}

message ObjectMetricSource {
  optional CrossVersionObjectReference describedObject = 1;
  optional MetricTarget target = 2;
  optional MetricIdentifier metric = 3;
}

message PodsMetricSource {
  optional MetricIdentifier metric = 1;
  optional MetricTarget target = 2;
}

message ResourceMetricSource {
  optional string name = 1 [(json) = "keep"];
  optional MetricTarget target = 2;
}

message ContainerResourceMetricSource {
  optional string name = 1 [(json) = "keep"];
  optional MetricTarget target = 2;
  optional string container = 3 [(json) = "keep"];
}

message ExternalMetricSource {
  optional MetricIdentifier metric = 1;
  optional MetricTarget target = 2;
}

message MetricIdentifier {
  optional string name = 1 [(json) = "keep"];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2;
}

message MetricTarget {
  optional string type = 1 [(json) = "keep"];
  optional k8s.io.apimachinery.pkg.api.resource.Quantity value = 2;
  optional k8s.io.apimachinery.pkg.api.resource.Quantity averageValue = 3;
  optional int32 averageUtilization = 4 [(json) = "keep"];
}

message HorizontalPodAutoscalerBehavior {
  optional HPAScalingRules scaleUp = 1;
  optional HPAScalingRules scaleDown = 2;
}

message HPAScalingRules {
  optional int32 stabilizationWindowSeconds = 3 [(json) = "keep"];
  optional string selectPolicy = 1 [(json) = "keep"];
  repeated HPAScalingPolicy policies = 2;
}

message HPAScalingPolicy {
  optional string type = 1 [(json) = "keep"];
  optional int32 value = 2 [(json) = "keep"];
  optional int32 periodSeconds = 3 [(json) = "keep"];
}

message HorizontalPodAutoscalerStatus {
  optional int64 observedGeneration = 1 [(json) = "keep"];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastScaleTime = 2;
  optional int32 currentReplicas = 3;
  optional int32 desiredReplicas = 4 [(json) = "keep"];
  repeated MetricStatus currentMetrics = 5;
  repeated HorizontalPodAutoscalerCondition conditions = 6;
}

message MetricStatus {
  optional string type = 1 [(json) = "keep"];
  optional ObjectMetricStatus object = 2;
  optional PodsMetricStatus pods = 3;
  optional ResourceMetricStatus resource = 4;
  optional ContainerResourceMetricStatus containerResource = 7;
  optional ExternalMetricStatus external = 5;
}

message ObjectMetricStatus {
  optional MetricIdentifier metric = 1;
  optional MetricValueStatus current = 2;
  optional CrossVersionObjectReference describedObject = 3;
}

message PodsMetricStatus {
  optional MetricIdentifier metric = 1;
  optional MetricValueStatus current = 2;
}

message ResourceMetricStatus {
  optional string name = 1 [(json) = "keep"];
  optional MetricValueStatus current = 2;
}

message ContainerResourceMetricStatus {
  optional string name = 1 [(json) = "keep"];
  optional MetricValueStatus current = 2;
  optional string container = 3 [(json) = "keep"];
}

message ExternalMetricStatus {
  optional MetricIdentifier metric = 1;
  optional MetricValueStatus current = 2;
}

message MetricValueStatus {
  optional k8s.io.apimachinery.pkg.api.resource.Quantity value = 1;
  optional k8s.io.apimachinery.pkg.api.resource.Quantity averageValue = 2;
  optional int32 averageUtilization = 3 [(json) = "keep"];
}

message HorizontalPodAutoscalerCondition {
  optional string type = 1 [(json) = "keep"];
  optional string status = 2 [(json) = "keep"];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 3;
  optional string reason = 4;
  optional string message = 5;
}
`;
