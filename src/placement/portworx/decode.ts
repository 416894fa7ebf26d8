import {
  SDK_STATUS,
  type SdkErrorBody,
  type SdkReplicaSet,
  type SdkStorageNode,
  type SdkVolume,
  type SdkVolumeInspectResponse,
  type StringMap,
} from './sdk.js';

/**
 * Untrusted gateway JSON -> the typed subset of sdk.ts. Lenient on purpose: a field of the wrong type
 * reads as absent (its zero value, as the gateway itself omits zero values), so a newer or older
 * Portworx that adds or drops fields still decodes. Only a body that is not a JSON object at all is
 * rejected (undefined), which the client reports as a bad response.
 */

type Json = Readonly<Record<string, unknown>>;

function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

function stringMap(value: unknown): StringMap | undefined {
  const o = object(value);
  if (!o) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** An enum as a name, or as its number (EnumsAsInts gateways). */
function status(value: unknown): string | undefined {
  if (typeof value === 'number') return SDK_STATUS[value] ?? `STATUS_${value}`;
  return text(value);
}

export function decodeStorageNode(value: unknown): SdkStorageNode | undefined {
  const o = object(value);
  const id = text(o?.id);
  if (!o || id === undefined) return undefined;
  return {
    id,
    scheduler_node_name: text(o.scheduler_node_name),
    hostname: text(o.hostname),
    mgmt_ip: text(o.mgmt_ip),
    data_ip: text(o.data_ip),
    status: status(o.status),
    node_labels: stringMap(o.node_labels),
    pools: Array.isArray(o.pools)
      ? o.pools.flatMap((p) => {
          const pool = object(p);
          return pool ? [{ uuid: text(pool.uuid), labels: stringMap(pool.labels) }] : [];
        })
      : undefined,
  };
}

/** `apiSdkNodeEnumerateWithFiltersResponse` -> its nodes (entries without an id are dropped). */
export function decodeNodeEnumerate(body: unknown): SdkStorageNode[] | undefined {
  const o = object(body);
  if (!o) return undefined;
  return Array.isArray(o.nodes) ? o.nodes.flatMap((n) => decodeStorageNode(n) ?? []) : [];
}

/** `apiSdkNodeInspectResponse` -> its node; `null` when the body holds none. */
export function decodeNodeInspect(body: unknown): SdkStorageNode | null | undefined {
  const o = object(body);
  if (!o) return undefined;
  return decodeStorageNode(o.node) ?? null;
}

function replicaSets(value: unknown): SdkReplicaSet[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((r) => {
    const set = object(r);
    return set ? [{ nodes: strings(set.nodes), pool_uuids: strings(set.pool_uuids) }] : [];
  });
}

function volume(value: unknown): SdkVolume | undefined {
  const o = object(value);
  if (!o) return undefined;
  const locator = object(o.locator);
  const spec = object(o.spec);
  const service = object(spec?.sharedv4_service_spec);
  return {
    id: text(o.id),
    locator: locator && { name: text(locator.name), volume_labels: stringMap(locator.volume_labels) },
    spec: spec && {
      sharedv4: spec.sharedv4 === true,
      sharedv4_service_spec: service && { name: text(service.name), type: text(service.type) },
      volume_labels: stringMap(spec.volume_labels),
      ha_level: text(spec.ha_level),
    },
    replica_sets: replicaSets(o.replica_sets),
    status: text(o.status),
    state: text(o.state),
  };
}

/** `apiSdkVolumeInspectResponse`. */
export function decodeVolumeInspect(body: unknown): SdkVolumeInspectResponse | undefined {
  const o = object(body);
  if (!o) return undefined;
  return { volume: volume(o.volume), name: text(o.name), labels: stringMap(o.labels) };
}

/** grpc-gateway's error body, for messages; anything else reads as empty. */
export function decodeError(body: unknown): SdkErrorBody {
  const o = object(body);
  return {
    error: text(o?.error),
    code: typeof o?.code === 'number' ? o.code : undefined,
    message: text(o?.message),
  };
}
