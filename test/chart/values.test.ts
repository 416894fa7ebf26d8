/**
 * values.yaml, values.schema.json and the values table in docs/chart.md describe the same values:
 * a value added to one and forgotten in another fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR, REPO_ROOT } from './render.js';

/** Values documented as one row although they are maps (their content is Kubernetes', not ours). */
const OPAQUE = new Set(['resources', 'affinity']);

const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;
const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as Record<string, any>;
const docs = readFileSync(join(REPO_ROOT, 'docs', 'chart.md'), 'utf8');

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every documented value: its dotted path and default. */
function leaves(node: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  return Object.entries(node).flatMap(([key, value]): Array<[string, unknown]> => {
    const path = prefix ? `${prefix}.${key}` : key;
    return isMap(value) && Object.keys(value).length > 0 && !OPAQUE.has(key)
      ? leaves(value, path)
      : [[path, value]];
  });
}

/** The values table: path → default cell. */
function docRows(): Map<string, string> {
  const section = docs.slice(docs.indexOf('## Values'));
  const rows = new Map<string, string>();
  for (const m of section.matchAll(/^\| `([^`]+)` \| ([^|]*) \|/gm))
    rows.set(m[1] as string, (m[2] as string).trim());
  return rows;
}

/** How the table writes a default. */
function shown(value: unknown): string | undefined {
  if (Array.isArray(value)) return `\`[${value.join(', ')}]\``;
  if (isMap(value)) return Object.keys(value).length === 0 ? '`{}`' : undefined;
  return value === '' ? '`""`' : `\`${String(value)}\``;
}

function schemaAt(path: string): any {
  let node: any = schema;
  for (const key of path.split('.')) {
    node = node?.properties?.[key];
    if (node?.$ref)
      node = (node.$ref as string)
        .split('/')
        .slice(1)
        .reduce((n: any, k: string) => n[k], schema);
  }
  return node;
}

const LEAVES = leaves(values);

describe('the values', () => {
  it('are many (the walk found them)', () => {
    expect(LEAVES.length).toBeGreaterThan(50);
  });

  it.each(LEAVES)('%s is in the docs/chart.md values table with its default', (path, value) => {
    const rows = docRows();
    expect(rows.has(path)).toBe(true);
    const expected = shown(value);
    if (expected !== undefined) expect(rows.get(path)).toBe(expected);
  });

  it('the table documents no value that does not exist', () => {
    const known = new Set(LEAVES.map(([p]) => p));
    expect([...docRows().keys()].filter((p) => !known.has(p))).toEqual([]);
  });

  it.each(LEAVES)('%s is described by values.schema.json', (path) => {
    expect(schemaAt(path)).toBeDefined();
  });

  it('every object in the schema refuses unknown keys (typos are errors, not ignored settings)', () => {
    const open: string[] = [];
    const walk = (node: any, path: string): void => {
      if (node?.type === 'object' && node.properties && node.additionalProperties !== false) open.push(path);
      for (const [k, child] of Object.entries((node?.properties ?? {}) as Record<string, unknown>))
        walk(child, `${path}.${k}`);
    };
    walk(schema, '');
    expect(open).toEqual([]);
  });
});
