/**
 * Generated ExtenderArgs and the oracle for /filter and /prioritize. The model follows the extender
 * wire format (k8s.io/kube-scheduler/extender/v1) and Go's case-insensitive key matching; a request
 * it calls well-formed must be answered 200 in the shape it was asked in, about exactly its candidates.
 */
import fc from 'fast-check';
import type { Outcome } from './client.js';
import {
  applyMutation,
  damaged,
  hugeMutation,
  mutation,
  nestingDepth,
  strangeValue,
  textDamage,
  unicode,
  type Json,
} from './mutate.js';
import { checkCommon, parseAsServer, type GeneratedCase, type Limits } from './reviews.js';
import { CLAIMS, NODES } from './servers.js';

const nodeName = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...NODES) },
  { weight: 1, arbitrary: unicode },
);

const pod = fc.record(
  {
    metadata: fc.record(
      {
        name: fc.constantFrom('db-0', 'web-1'),
        namespace: fc.constantFrom('shop', 'other'),
        uid: fc.uuid(),
        annotations: fc.dictionary(
          fc.constantFrom(
            'kube-converge.io/prefer-local-node-only',
            'stork.libopenstorage.org/disableHyperconvergence',
          ),
          fc.constantFrom('true', 'false'),
        ),
      },
      { requiredKeys: [] },
    ),
    spec: fc.record({
      schedulerName: fc.constant('kube-converge'),
      volumes: fc.array(
        fc.record({
          name: fc.string(),
          persistentVolumeClaim: fc.record({ claimName: fc.constantFrom(...CLAIMS) }),
        }),
        { maxLength: 3 },
      ),
    }),
  },
  { requiredKeys: [] },
);

const wireNode = (name: string): Json => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name }, resourceVersion: '42' },
  status: { conditions: [{ type: 'Ready', status: 'True' }], capacity: { cpu: '4' } },
});

/** Go matches field names case-insensitively: the scheduler's PascalCase, or any other casing. */
const casing = (name: string): fc.Arbitrary<string> =>
  fc.constantFrom(name, name.toLowerCase(), name.toUpperCase());

export const wellFormedArgs: fc.Arbitrary<Json> = fc
  .tuple(
    pod,
    fc.array(nodeName, { maxLength: 6 }),
    fc.boolean(),
    casing('Pod'),
    casing('NodeNames'),
    casing('Nodes'),
    casing('items'),
  )
  .map(([p, names, full, podKey, namesKey, nodesKey, itemsKey]) =>
    full
      ? { [podKey]: p, [nodesKey]: { [itemsKey]: [...new Set(names)].map(wireNode) } }
      : { [podKey]: p, [namesKey]: names },
  );

const ARGS_KEYS = ['Pod', 'pod', 'NodeNames', 'Nodes', 'nodes', 'items'];

export const extenderCase: fc.Arbitrary<GeneratedCase & { path: string }> = fc
  .tuple(
    fc.constantFrom('/filter', '/prioritize'),
    fc.oneof(
      {
        weight: 30,
        arbitrary: fc
          .tuple(wellFormedArgs, fc.array(mutation, { maxLength: 3 }), textDamage(ARGS_KEYS))
          .map(([a, ms, d]) => ({
            body: damaged(
              ms.reduce((acc, m) => applyMutation(acc, m), a),
              d.kind === 'duplicate' ? { ...d, where: 'top' as const } : d,
            ),
            family: d.kind === 'none' ? (ms.length === 0 ? 'well-formed' : 'args-mutated') : `text-${d.kind}`,
          })),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(wellFormedArgs, hugeMutation).map(([a, m]) => ({
          body: damaged(applyMutation(a, m), { kind: 'none' }),
          family: 'huge-string',
        })),
      },
      {
        weight: 3,
        arbitrary: strangeValue
          .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
          .map((v) => ({ body: JSON.stringify(v), family: 'not-an-object' })),
      },
    ),
  )
  .map(([path, c]) => ({ ...c, path }));

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's lookup: the exact key, else the first key equal ignoring case. */
function field(o: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(o, name)) return o[name];
  const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : o[key];
}

interface Asked {
  candidates: string[];
  /** The Nodes shape: the items by name, to check the echo. */
  items?: Map<string, unknown>;
}

/** The model: the candidates of a well-formed ExtenderArgs, or undefined when it is malformed. */
export function candidatesOf(v: unknown): Asked | undefined {
  if (!isObject(v)) return undefined;
  const p = field(v, 'Pod');
  if (!isObject(p)) return undefined;
  if ((p.metadata !== undefined && !isObject(p.metadata)) || (p.spec !== undefined && !isObject(p.spec)))
    return undefined;
  const names = field(v, 'NodeNames');
  if (names !== undefined && names !== null) {
    return Array.isArray(names) && names.every((n) => typeof n === 'string')
      ? { candidates: names }
      : undefined;
  }
  const nodes = field(v, 'Nodes');
  if (!isObject(nodes)) return undefined;
  const items = field(nodes, 'items') ?? [];
  if (!Array.isArray(items)) return undefined;
  const byName = new Map<string, unknown>();
  for (const item of items) {
    const name = isObject(item) && isObject(item.metadata) ? item.metadata.name : undefined;
    if (typeof name !== 'string' || name === '') return undefined;
    byName.set(name, item);
  }
  return { candidates: [...byName.keys()], items: byName };
}

/** The oracle for one extender exchange. */
export function checkExtenderAnswer(path: string, body: string | Buffer, o: Outcome, limits: Limits): void {
  const { status, json } = checkCommon(body, o, limits);
  if (status === 413) return;
  const parsed = parseAsServer(body);
  const tooDeep = nestingDepth(Buffer.from(body).toString('utf8')) > limits.maxDepth;
  const asked = parsed.ok && !tooDeep ? candidatesOf(parsed.value) : undefined;
  if (!asked) {
    if (status !== 400) throw new Error(`malformed ExtenderArgs answered ${status}, want 400`);
    if (
      !/^(malformed ExtenderArgs|request body is not valid JSON|request body nests deeper)/.test(
        json.error.message,
      )
    )
      throw new Error(`400 without a reason: ${json.error.message}`);
    return;
  }
  if (status !== 200) throw new Error(`well-formed ExtenderArgs answered ${status}`);
  if (path === '/prioritize') checkPriorities(asked, json);
  else checkFilter(asked, json);
}

function checkPriorities(asked: Asked, json: unknown): void {
  if (!Array.isArray(json)) throw new Error('priorities are not a list');
  const hosts = json.map((h: { Host?: unknown }) => h.Host);
  if (JSON.stringify(hosts) !== JSON.stringify(asked.candidates))
    throw new Error(`scored ${JSON.stringify(hosts)}, asked about ${JSON.stringify(asked.candidates)}`);
  for (const h of json as { Score?: unknown }[])
    if (!Number.isInteger(h.Score) || (h.Score as number) < 0 || (h.Score as number) > 10)
      throw new Error(`score ${String(h.Score)} outside 0..10`);
}

function checkFilter(asked: Asked, r: any): void {
  if (typeof r?.Error !== 'string') throw new Error('no Error field');
  if (r.Error !== '') {
    // An expected outcome (a claim not bound yet), never a fault: the fixture cluster has none.
    if (!/^waiting for PVC /.test(r.Error)) throw new Error(`filter failed: ${r.Error}`);
    return;
  }
  const candidates = new Set(asked.candidates);
  const passed: string[] = asked.items
    ? (r.Nodes?.items ?? []).map((n: { metadata: { name: string } }) => n.metadata.name)
    : (r.NodeNames ?? []);
  const failed = Object.keys({ ...r.FailedNodes, ...r.FailedAndUnresolvableNodes });
  for (const n of [...passed, ...failed])
    if (!candidates.has(n)) throw new Error(`answered about ${JSON.stringify(n)}, not a candidate`);
  if (passed.some((n) => failed.includes(n))) throw new Error('a node both passed and failed');
  if (new Set([...passed, ...failed]).size !== candidates.size)
    throw new Error('a candidate is missing from the answer');
  if (asked.items) {
    for (const n of r.Nodes.items as { metadata: { name: string } }[])
      if (JSON.stringify(n) !== JSON.stringify(asked.items.get(n.metadata.name)))
        throw new Error(`node ${n.metadata.name} was not echoed as sent`);
  }
}
