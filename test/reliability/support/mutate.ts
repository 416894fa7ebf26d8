/**
 * Generic JSON fuzzing: values that break assumptions (wrong types, huge strings, unicode, deep
 * nesting), mutations applied at random paths of a well-formed document, and raw-text damage that no
 * JSON value can express (duplicate keys, truncation, a BOM, invalid UTF-8).
 *
 * Deep nesting is spliced into the text after serialization: JSON.stringify itself overflows the stack
 * at a few thousand levels, in this process as in the server.
 */
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

const DEEP = '\u0000deep:';
/** A placeholder replaced by `depth` nested arrays (or objects) in the text. */
export const deepMarker = (depth: number, shape: '[' | '{'): string => `${DEEP}${shape}${depth}`;

export const unicode = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('\ud800', '\udfff', 'a\ud83d', '\u0000', '\u202e', 'é', '𝔘𝔫𝔦', '\ufeff', '\r\n', '"\\'),
);

export const hugeString = fc
  .tuple(fc.integer({ min: 20_000, max: 400_000 }), fc.constantFrom('x', 'é', '😀', '\\', '"'))
  .map(([n, c]) => c.repeat(Math.ceil(n / c.length)));

const numbers = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.constantFrom(0, -0, 1e308, -1e308, 2 ** 53 + 1, Number.MIN_VALUE),
);

/** A value to put where something else was expected. */
export const strangeValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 3, arbitrary: unicode },
  { weight: 3, arbitrary: numbers },
  { weight: 2, arbitrary: fc.constantFrom<Json>(null, true, false, [], {}, '', [null], { '': null }) },
  { weight: 1, arbitrary: fc.constantFrom(10, 100, 1_000, 10_000, 100_000).map((d) => deepMarker(d, '[')) },
  { weight: 1, arbitrary: fc.constantFrom(10, 1_000, 10_000).map((d) => deepMarker(d, '{')) },
);

export type Mutation =
  | { op: 'replace'; at: number; value: Json }
  | { op: 'delete'; at: number }
  | { op: 'wrap'; at: number }
  | { op: 'huge'; at: number; value: string }
  | { op: 'stringify'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: strangeValue }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('wrap' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('stringify' as const), at: fc.nat() }) },
);

/** A huge string somewhere: rare, because each costs a megabyte on the wire. */
export const hugeMutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constant('huge' as const),
  at: fc.nat(),
  value: hugeString,
});

function isObject(v: unknown): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every path in `v` below `under` (breadth first, bounded), the root of `under` excluded. */
export function pathsOf(root: Json, under: Path = []): Path[] {
  let start: Json | undefined = root;
  for (const seg of under) start = (start as Record<string | number, Json> | undefined)?.[seg];
  const out: Path[] = [];
  const queue: [Json, Path][] = [[start as Json, under]];
  while (queue.length > 0 && out.length < 400) {
    const [v, p] = queue.shift() as [Json, Path];
    const entries: [string | number, Json][] = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : isObject(v)
        ? Object.entries(v)
        : [];
    for (const [k, x] of entries) {
      out.push([...p, k]);
      queue.push([x, [...p, k]]);
    }
  }
  return out;
}

/** Applies `m` to a copy of `root` at one of the paths below `under`; no path, no change. */
export function applyMutation(root: Json, m: Mutation, under: Path = []): Json {
  const paths = pathsOf(root, under);
  if (paths.length === 0) return root;
  const path = paths[m.at % paths.length] as Path;
  const copy = structuredClone(root);
  let parent = copy as Record<string | number, Json>;
  for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, Json>;
  const key = path[path.length - 1] as string | number;
  const old = parent[key] as Json;
  if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (m.op === 'replace' || m.op === 'huge') parent[key] = m.value;
  else if (m.op === 'wrap') parent[key] = [old];
  else parent[key] = typeof old === 'string' ? Number(old) || [old] : JSON.stringify(old);
  return copy;
}

/** Text edits no JSON value can express. */
export type TextDamage =
  | { kind: 'none' }
  | { kind: 'duplicate'; where: 'top' | 'request'; key: string; value: Json }
  | { kind: 'truncate'; at: number }
  | { kind: 'bom' }
  | { kind: 'invalid-utf8'; at: number }
  | { kind: 'whitespace'; pad: string };

export const textDamage = (keys: readonly string[]): fc.Arbitrary<TextDamage> =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constant({ kind: 'none' as const }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('duplicate' as const),
        where: fc.constantFrom('top' as const, 'request' as const),
        key: fc.constantFrom(...keys),
        value: strangeValue,
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'bom' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalid-utf8' as const), at: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('whitespace' as const),
        pad: fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r'), maxLength: 8 }),
      }),
    },
  );

/** JSON text with the deep-nesting placeholders expanded. */
export function serialize(v: Json): string {
  return expandDeep(JSON.stringify(v));
}

function expandDeep(text: string): string {
  // The placeholder is a JSON string: "\u0000deep:[1000" (JSON.stringify escapes the NUL).
  return text.replace(/"\\u0000deep:([[{])(\d+)"/g, (_m, shape: string, n: string) => {
    const depth = Number(n);
    return shape === '['
      ? '['.repeat(depth) + ']'.repeat(depth)
      : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  });
}

/** Serializes `root` and applies the damage; a Buffer when the bytes are not valid UTF-8. */
export function damaged(root: Json, damage: TextDamage): string | Buffer {
  const text = serialize(root);
  switch (damage.kind) {
    case 'none':
      return text;
    case 'duplicate':
      return withDuplicate(root, text, damage);
    case 'truncate':
      return text.slice(0, damage.at % Math.max(1, text.length));
    case 'bom':
      return '\ufeff' + text;
    case 'whitespace':
      return damage.pad + text + damage.pad;
    case 'invalid-utf8': {
      const buf = Buffer.from(text, 'utf8');
      const at = damage.at % Math.max(1, buf.length);
      return Buffer.concat([buf.subarray(0, at), Buffer.from([0xff, 0xc3]), buf.subarray(at)]);
    }
  }
}

/** The same document with `key` repeated at the end of the top-level or `request` object. */
function withDuplicate(root: Json, text: string, d: Extract<TextDamage, { kind: 'duplicate' }>): string {
  const extra = `,${JSON.stringify(d.key)}:${serialize(d.value)}`;
  if (!isObject(root)) return text;
  if (d.where === 'top' || !isObject(root.request)) return text.replace(/}$/, `${extra}}`);
  const { request, ...rest } = root;
  const requestText = serialize(request).replace(/}$/, `${extra}}`);
  return serialize(rest).replace(/}$/, `${Object.keys(rest).length > 0 ? ',' : ''}"request":${requestText}}`);
}

/** Nesting depth of JSON text (brackets outside strings); independent of the server's own check. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}
