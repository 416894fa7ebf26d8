import type { Decoded } from '../admission/decode.js';
import type { WireNode } from './wire.js';

/** ExtenderArgs, checked: the pod, the candidates, and which shape to answer in. */
export interface Candidates {
  readonly pod: Record<string, unknown>;
  readonly names: readonly string[];
  /** The request carried full Nodes (nodeCacheCapable: false): answer with Nodes, by name. */
  readonly nodesByName?: ReadonlyMap<string, WireNode>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's encoding/json matches keys case-insensitively; the scheduler sends PascalCase. */
function field(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) if (key.toLowerCase() === lower) return obj[key];
  return undefined;
}

function nodeNames(value: unknown): Decoded<string[]> {
  if (!Array.isArray(value)) return { ok: false, problem: 'NodeNames must be an array of strings' };
  if (!value.every((n): n is string => typeof n === 'string'))
    return { ok: false, problem: 'NodeNames must be an array of strings' };
  return { ok: true, value };
}

function nodeList(value: unknown): Decoded<Map<string, WireNode>> {
  if (!isRecord(value)) return { ok: false, problem: 'Nodes must be an object (a v1.NodeList)' };
  const items = field(value, 'items');
  if (items === undefined || items === null) return { ok: true, value: new Map() };
  if (!Array.isArray(items)) return { ok: false, problem: 'Nodes.items must be an array' };
  const byName = new Map<string, WireNode>();
  for (const [i, item] of items.entries()) {
    const name = isRecord(item) && isRecord(item.metadata) ? item.metadata.name : undefined;
    if (typeof name !== 'string' || name === '')
      return { ok: false, problem: `Nodes.items[${i}].metadata.name is missing` };
    byName.set(name, item as WireNode);
  }
  return { ok: true, value: byName };
}

/** Names the first problem of a malformed ExtenderArgs (answered with HTTP 400). */
export function decodeExtenderArgs(body: unknown): Decoded<Candidates> {
  if (!isRecord(body)) return { ok: false, problem: 'body is not a JSON object (want ExtenderArgs)' };
  const pod = field(body, 'Pod');
  if (!isRecord(pod)) return { ok: false, problem: 'Pod is missing or not an object' };
  if (pod.metadata !== undefined && !isRecord(pod.metadata))
    return { ok: false, problem: 'Pod.metadata must be an object' };
  if (pod.spec !== undefined && !isRecord(pod.spec))
    return { ok: false, problem: 'Pod.spec must be an object' };
  const names = field(body, 'NodeNames');
  if (names !== undefined && names !== null) {
    const decoded = nodeNames(names);
    return decoded.ok ? { ok: true, value: { pod, names: decoded.value } } : decoded;
  }
  const nodes = field(body, 'Nodes');
  if (nodes === undefined || nodes === null)
    return { ok: false, problem: 'neither NodeNames nor Nodes is given' };
  const decoded = nodeList(nodes);
  if (!decoded.ok) return decoded;
  return { ok: true, value: { pod, names: [...decoded.value.keys()], nodesByName: decoded.value } };
}
