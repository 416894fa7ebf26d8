/**
 * The parts of the OpenStorage SDK REST gateway that kube-converge speaks, owned here (house style 3).
 *
 * Source: libopenstorage/openstorage `api/server/sdk/api/api.swagger.json` (OpenAPI 3.0, "OpenStorage
 * SDK" 0.69.1). The gateway is grpc-gateway v1 mounted with `runtime.NewServeMux()` and no options
 * (`api/server/sdk/rest_gateway.go`), i.e. its default marshaler `JSONPb{OrigName: true}`: field names
 * are the proto names (snake_case, as the swagger spells them), enums travel as their names, 64-bit
 * integers as strings, and a field holding its zero value is left out. So every field below is
 * optional, and absent means zero (false, "", STATUS_NONE).
 *
 * Errors are grpc-gateway's: the gRPC code mapped to an HTTP status (NotFound 404, Unauthenticated
 * 401, PermissionDenied 403, Unavailable 503, DeadlineExceeded 504, Internal 500) and a body
 * `{error, code, message, details}`. Authentication is `Authorization: bearer <token>`
 * (components.securitySchemes.bearerAuth; `ContextMetadataTokenKey = "bearer"` in
 * api/server/sdk/server_interceptors.go): a missing token answers 401, a rejected one 403.
 */

/** The paths used, all `GET` in the definition. */
export const SDK_PATH = {
  /** OpenStorageNode.EnumerateWithFilters -> apiSdkNodeEnumerateWithFiltersResponse */
  nodeEnumerateWithFilters: '/v1/nodes/filters',
  /** OpenStorageNode.Inspect -> apiSdkNodeInspectResponse */
  nodeInspect: (nodeId: string): string => `/v1/nodes/inspect/${encodeURIComponent(nodeId)}`,
  /** OpenStorageVolume.Inspect -> apiSdkVolumeInspectResponse */
  volumeInspect: (volumeId: string): string => `/v1/volumes/inspect/${encodeURIComponent(volumeId)}`,
} as const;

/**
 * `openstorageapiStatus`, in enum order (the gateway sends the names; the order lets a number be read
 * too, should a gateway be configured with EnumsAsInts).
 */
export const SDK_STATUS = [
  'STATUS_NONE',
  'STATUS_INIT',
  'STATUS_OK',
  'STATUS_OFFLINE',
  'STATUS_ERROR',
  'STATUS_NOT_IN_QUORUM',
  'STATUS_DECOMMISSION',
  'STATUS_MAINTENANCE',
  'STATUS_STORAGE_DOWN',
  'STATUS_STORAGE_DEGRADED',
  'STATUS_NEEDS_REBOOT',
  'STATUS_STORAGE_REBALANCE',
  'STATUS_STORAGE_DRIVE_REPLACE',
  'STATUS_NOT_IN_QUORUM_NO_STORAGE',
  'STATUS_MAX',
] as const;
export type SdkStatus = (typeof SDK_STATUS)[number];

export type StringMap = Readonly<Record<string, string>>;

/** `apiStoragePool` (only what is read: the definition gives a pool no health field). */
export interface SdkStoragePool {
  readonly uuid?: string;
  readonly labels?: StringMap;
}

/** `apiStorageNode`. */
export interface SdkStorageNode {
  readonly id?: string;
  /** "name of the node in scheduler context. It can be empty if unable to get the name." */
  readonly scheduler_node_name?: string;
  readonly hostname?: string;
  readonly mgmt_ip?: string;
  readonly data_ip?: string;
  /** An `SdkStatus` name (see status.ts for what each means here). */
  readonly status?: string;
  /** "User defined labels for the node". */
  readonly node_labels?: StringMap;
  readonly pools?: readonly SdkStoragePool[];
}

/** `apiReplicaSet`: "set of machine IDs (nodes) to which part of this volume is ... coded". */
export interface SdkReplicaSet {
  readonly nodes?: readonly string[];
  readonly pool_uuids?: readonly string[];
}

/**
 * `Sharedv4ServiceSpec`. Not in the 0.69.1 definition: newer SDKs add `VolumeSpec.sharedv4_service_spec`
 * with a `type` enum (`SHAREDV4_SERVICE_TYPE_CLUSTERIP`, ...). Read when present; Stork treats a
 * sharedv4 volume with this spec set as needing anti-hyperconvergence.
 */
export interface SdkSharedv4ServiceSpec {
  readonly name?: string;
  readonly type?: string;
}

/** `apiVolumeSpec` (the fields read). */
export interface SdkVolumeSpec {
  /** "Sharedv4 is true if this volume can be accessed via sharedv4." */
  readonly sharedv4?: boolean;
  readonly sharedv4_service_spec?: SdkSharedv4ServiceSpec;
  readonly volume_labels?: StringMap;
  readonly ha_level?: string;
}

/** `apiVolumeLocator`. */
export interface SdkVolumeLocator {
  readonly name?: string;
  readonly volume_labels?: StringMap;
}

/** `apiVolume` (the fields read). */
export interface SdkVolume {
  readonly id?: string;
  readonly locator?: SdkVolumeLocator;
  readonly spec?: SdkVolumeSpec;
  readonly replica_sets?: readonly SdkReplicaSet[];
  readonly status?: string;
  readonly state?: string;
}

/** `apiSdkVolumeInspectResponse`. */
export interface SdkVolumeInspectResponse {
  readonly volume?: SdkVolume;
  readonly name?: string;
  readonly labels?: StringMap;
}

/** `apiSdkNodeEnumerateWithFiltersResponse`. */
export interface SdkNodeEnumerateWithFiltersResponse {
  readonly nodes?: readonly SdkStorageNode[];
}

/** `apiSdkNodeInspectResponse`. */
export interface SdkNodeInspectResponse {
  readonly node?: SdkStorageNode;
}

/** grpc-gateway v1's error body. */
export interface SdkErrorBody {
  readonly error?: string;
  readonly code?: number;
  readonly message?: string;
}
