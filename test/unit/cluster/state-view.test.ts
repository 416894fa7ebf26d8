import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StateProblem } from '../../../src/cluster/state/parse.js';
import { StateFileView, StatePathError, type StateReload } from '../../../src/cluster/state/view.js';

const nodeDoc = (name: string, ready = 'True') => `apiVersion: v1
kind: Node
metadata:
  name: ${name}
status:
  conditions: [{type: Ready, status: "${ready}"}]
`;
const pvcDoc = (ns: string, name: string, sc = 'px') => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}, namespace: ${ns}}
spec: {storageClassName: ${sc}}
`;

let dir: string;
const views: StateFileView[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kc-state-'));
});
afterEach(async () => {
  await Promise.all(views.splice(0).map((v) => v.stop()));
  await rm(dir, { recursive: true, force: true });
});

function open(paths: string[], watch = true) {
  const reloads: StateReload[] = [];
  const problems: StateProblem[] = [];
  let waiters: Array<{ pred: (r: StateReload) => boolean; resolve: (r: StateReload) => void }> = [];
  const view = new StateFileView({
    paths,
    watch,
    debounceMs: 20,
    onReload: (r) => {
      reloads.push(r);
      waiters = waiters.filter((w) => !(w.pred(r) && (w.resolve(r), true)));
    },
    onProblem: (p) => problems.push(p),
  });
  views.push(view);
  /** The next reload satisfying `pred` (registered before the change is made). */
  const reloaded = (pred: (r: StateReload) => boolean = () => true): Promise<StateReload> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching reload within 5 s')), 5000);
      waiters.push({
        pred,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });
  return { view, reloads, problems, reloaded };
}

describe('StateFileView', () => {
  it('reads folders recursively: multi-document YAML, JSON lists, other kinds ignored, problems reported', async () => {
    await mkdir(path.join(dir, 'storage'));
    await writeFile(path.join(dir, 'nodes.yaml'), `${nodeDoc('n1')}---\n${nodeDoc('n2', 'False')}`);
    await writeFile(
      path.join(dir, 'storage', 'classes.json'),
      JSON.stringify({
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClassList',
        items: [
          {
            metadata: {
              name: 'px',
              annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
              creationTimestamp: '2024-01-01T00:00:00Z',
            },
            provisioner: 'pxd.portworx.com',
          },
        ],
      }),
    );
    await writeFile(
      path.join(dir, 'storage', 'claims.yml'),
      `${pvcDoc('db', 'data-0')}---\napiVersion: v1\nkind: Pod\nmetadata: {name: web}\n---\n${pvcDoc('db', 'x').replace('name: x, ', '')}`,
    );
    await writeFile(path.join(dir, 'README.md'), '# not state');
    await writeFile(path.join(dir, '.nodes.yaml.swp'), 'garbage: [');

    const h = open([dir], false);
    expect(h.view.synced).toBe(false);
    await h.view.start();
    expect(h.view.synced).toBe(true);
    expect(h.view.sizes()).toEqual({
      nodes: 2,
      namespaces: 0,
      pvcs: 1,
      pvs: 0,
      storageClasses: 1,
      csiNodes: 0,
    });
    expect(h.view.node('n1')?.ready).toBe(true);
    expect(h.view.node('n2')?.ready).toBe(false);
    expect(h.view.defaultStorageClass()?.name).toBe('px');
    await expect(h.view.fetchPVC('db', 'data-0')).resolves.toMatchObject({ storageClassName: 'px' });
    await expect(h.view.fetchPVC('db', 'nope')).resolves.toBeUndefined();
    await expect(h.view.fetchStorageClass('px')).resolves.toMatchObject({ provisioner: 'pxd.portworx.com' });
    const expected = [
      {
        file: path.join(dir, 'storage', 'claims.yml'),
        index: 2,
        message: 'PersistentVolumeClaim: metadata.name is missing',
      },
    ];
    expect(h.view.problems()).toEqual(expected);
    expect(h.problems).toEqual(expected);
    expect(h.reloads).toHaveLength(1);
    expect(h.reloads[0]?.files).toBe(3);
  });

  it('re-reads a file changed on disk', async () => {
    const file = path.join(dir, 'state.yaml');
    await writeFile(file, pvcDoc('db', 'data-0', 'old'));
    const h = open([dir]);
    await h.view.start();
    expect(h.view.pvc('db', 'data-0')?.storageClassName).toBe('old');

    const next = h.reloaded(() => h.view.node('n9') !== undefined);
    await writeFile(file, `${pvcDoc('db', 'data-0', 'new-class')}---\n${nodeDoc('n9')}`);
    await next;
    expect(h.view.pvc('db', 'data-0')?.storageClassName).toBe('new-class');
    expect(h.view.node('n9')).toBeDefined();
  });

  it('a broken rewrite keeps the last good state and reports it; fixing it recovers', async () => {
    const file = path.join(dir, 'state.yaml');
    await writeFile(file, `${nodeDoc('n1')}---\n${nodeDoc('n2')}`);
    const h = open([file]);
    await h.view.start();
    expect(h.view.sizes().nodes).toBe(2);

    const broken = h.reloaded((r) => r.problems.length > 0);
    await writeFile(file, `${nodeDoc('n1')}---\nkind: Node\nmetadata: {name: [unclosed\n`);
    await broken;
    expect(h.view.sizes().nodes).toBe(2);
    expect(h.view.node('n2')).toBeDefined();
    expect(h.view.problems()).toHaveLength(1);
    expect(h.view.problems()[0]).toMatchObject({ file, index: 1 });
    expect(h.view.problems()[0]?.message).toMatch(
      /^invalid YAML: .*keeping its last good state \(2 objects\)$/,
    );
    expect(h.problems).toHaveLength(1);

    const fixed = h.reloaded(() => h.view.node('n3') !== undefined);
    await writeFile(file, nodeDoc('n3'));
    await fixed;
    expect([...h.view.nodes()].map((n) => n.name)).toEqual(['n3']);
    expect(h.view.problems()).toEqual([]);
  });

  it('picks up new files and drops deleted ones, in sub-folders too', async () => {
    await mkdir(path.join(dir, 'a'));
    await writeFile(path.join(dir, 'a', 'one.yaml'), nodeDoc('n1'));
    const h = open([dir]);
    await h.view.start();

    const added = h.reloaded((r) => r.sizes.nodes === 2);
    await mkdir(path.join(dir, 'b'));
    await writeFile(path.join(dir, 'b', 'two.yaml'), nodeDoc('n2'));
    await added;
    expect(h.view.node('n2')).toBeDefined();

    const removed = h.reloaded((r) => r.sizes.nodes === 1);
    await rm(path.join(dir, 'a', 'one.yaml'));
    await removed;
    expect(h.view.node('n1')).toBeUndefined();
  });

  it('follows a save by rename over the file (editors, ConfigMap-style swaps)', async () => {
    const file = path.join(dir, 'state.yaml');
    await writeFile(file, nodeDoc('before'));
    const h = open([file]);
    await h.view.start();

    for (const name of ['after-1', 'after-2']) {
      const next = h.reloaded(() => h.view.node(name) !== undefined);
      const tmp = path.join(dir, `.state.yaml.${name}.tmp`);
      await writeFile(tmp, nodeDoc(name));
      await rename(tmp, file);
      await next;
      expect([...h.view.nodes()].map((n) => n.name)).toEqual([name]);
    }
  });

  it('follows a mounted ConfigMap update (a ..data symlink swap) and reads each file once', async () => {
    await mkdir(path.join(dir, '..v1'));
    await writeFile(path.join(dir, '..v1', 'state.yaml'), nodeDoc('v1'));
    await symlink('..v1', path.join(dir, '..data'));
    await symlink(path.join('..data', 'state.yaml'), path.join(dir, 'state.yaml'));
    const h = open([dir]);
    await h.view.start();
    expect([...h.view.nodes()].map((n) => n.name)).toEqual(['v1']);
    expect(h.view.problems()).toEqual([]);

    const next = h.reloaded(() => h.view.node('v2') !== undefined);
    await mkdir(path.join(dir, '..v2'));
    await writeFile(path.join(dir, '..v2', 'state.yaml'), nodeDoc('v2'));
    await symlink('..v2', path.join(dir, '..data_tmp'));
    await rename(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    await next;
    expect([...h.view.nodes()].map((n) => n.name)).toEqual(['v2']);
    expect(h.view.problems()).toEqual([]);
  });

  it('reports duplicates across files; the later file wins', async () => {
    await writeFile(path.join(dir, '1.yaml'), pvcDoc('db', 'c', 'first'));
    await writeFile(path.join(dir, '2.yaml'), pvcDoc('db', 'c', 'second'));
    const h = open([dir], false);
    await h.view.start();
    expect(h.view.pvc('db', 'c')?.storageClassName).toBe('second');
    expect(h.view.problems()).toEqual([
      {
        file: path.join(dir, '2.yaml'),
        index: -1,
        message: `duplicate PersistentVolumeClaim db/c (also in ${path.join(dir, '1.yaml')}); this one wins`,
      },
    ]);
  });

  it('start() rejects a path that does not exist', async () => {
    const h = open([path.join(dir, 'missing.yaml')]);
    const err: unknown = await h.view.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatePathError);
    expect((err as StatePathError).paths).toEqual([path.join(dir, 'missing.yaml')]);
  });

  it('without watching, changes wait for reload()', async () => {
    const file = path.join(dir, 's.json');
    await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }));
    const h = open([file], false);
    await h.view.start();
    await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bb' } }));
    await new Promise((r) => setTimeout(r, 100));
    expect(h.view.namespace('a')).toBeDefined();
    const r = await h.view.reload();
    expect(r.changed).toEqual([file]);
    expect(h.view.namespace('bb')).toBeDefined();
    expect(h.view.namespace('a')).toBeUndefined();
  });

  it('an unchanged reload reads nothing and reports nothing again', async () => {
    await writeFile(path.join(dir, 'x.yaml'), 'kind: Node\nmetadata: {}\n');
    const h = open([dir], false);
    await h.view.start();
    const r = await h.view.reload();
    expect(r.changed).toEqual([]);
    expect(r.problems).toHaveLength(1);
    expect(h.problems).toHaveLength(1);
  });

  it('a failing callback is reported, never an unhandled rejection', async () => {
    await writeFile(path.join(dir, 'n.yaml'), nodeDoc('n1'));
    const view = new StateFileView({
      paths: [dir],
      watch: false,
      onReload: () => {
        throw new Error('boom');
      },
    });
    views.push(view);
    await expect(view.start()).resolves.toBeUndefined();
    expect(view.synced).toBe(true);
    expect(view.node('n1')).toBeDefined();
    expect(view.problems().map((p) => p.message)).toEqual(['reading the state failed: boom']);
  });
});
