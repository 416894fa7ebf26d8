import { formatOf, parseStateText } from '../../../src/cluster/state/parse.js';

const kinds = (text: string, format: 'yaml' | 'json' = 'yaml') =>
  parseStateText(text, 'f.yaml', format).objects.map((o) => `${o.kind}/${o.obj.name}`);

describe('parseStateText', () => {
  it('reads several YAML documents and ignores kinds it does not read', () => {
    const text = `
apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: v1
kind: Pod
metadata: {name: web}
---
# an empty document
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: px}
provisioner: pxd.portworx.com
`;
    const parsed = parseStateText(text, 'f.yaml', 'yaml');
    expect(parsed.problems).toEqual([]);
    expect(parsed.syntaxError).toBe(false);
    expect(parsed.objects.map((o) => `${o.kind}/${o.obj.name}`)).toEqual(['Node/n1', 'StorageClass/px']);
  });

  it('reads a kind: List whose items carry their kinds (kubectl get -o yaml)', () => {
    const text = `
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: PersistentVolumeClaim
  metadata: {name: c1, namespace: ns}
- apiVersion: v1
  kind: PersistentVolume
  metadata: {name: v1}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: cm}
`;
    expect(kinds(text)).toEqual(['PersistentVolumeClaim/c1', 'PersistentVolume/v1']);
  });

  it('reads a typed JSON list whose items carry no kind (the raw API answer)', () => {
    const text = JSON.stringify({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSINodeList',
      metadata: { resourceVersion: '9' },
      items: [
        { metadata: { name: 'n1' }, spec: { drivers: [{ name: 'pxd.portworx.com' }] } },
        { metadata: { name: 'n2' }, spec: { drivers: [] } },
      ],
    });
    const parsed = parseStateText(text, 'f.json', 'json');
    expect(parsed.objects).toEqual([
      { kind: 'CSINode', obj: { name: 'n1', drivers: ['pxd.portworx.com'] } },
      { kind: 'CSINode', obj: { name: 'n2', drivers: [] } },
    ]);
  });

  it('reads a single JSON object', () => {
    expect(kinds('{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"db"}}', 'json')).toEqual([
      'Namespace/db',
    ]);
  });

  it('reads nested lists', () => {
    const text = JSON.stringify({
      kind: 'List',
      items: [{ kind: 'NodeList', apiVersion: 'v1', items: [{ metadata: { name: 'a' } }] }],
    });
    expect(kinds(text, 'json')).toEqual(['Node/a']);
  });

  it('reports malformed entries with their document index, keeping the good ones', () => {
    const text = `
apiVersion: v1
kind: Node
metadata: {name: ok}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {namespace: db}
---
just: a values file
---
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: fine}}
- {apiVersion: storage.k8s.io/v1, kind: StorageClass, metadata: {name: broken}}
`;
    const parsed = parseStateText(text, 'state.yaml', 'yaml');
    expect(parsed.syntaxError).toBe(false);
    expect(parsed.objects.map((o) => o.obj.name)).toEqual(['ok', 'fine']);
    expect(parsed.problems).toEqual([
      { file: 'state.yaml', index: 1, message: 'PersistentVolumeClaim: metadata.name is missing' },
      { file: 'state.yaml', index: 2, message: 'object: not a Kubernetes object: no kind' },
      { file: 'state.yaml', index: 3, message: 'items[1]: StorageClass broken: provisioner is missing' },
    ]);
  });

  it.each([
    ['a YAML syntax error', 'kind: Node\nmetadata: {name: [x\n', 'yaml', /^invalid YAML: .*line/],
    ['a duplicate YAML key', 'kind: Node\nkind: Node\n', 'yaml', /^invalid YAML: Map keys must be unique/],
    ['invalid JSON', '{"kind": "Node",', 'json', /^invalid JSON: /],
  ] as const)('%s is a syntax error for the whole file', (_name, text, format, message) => {
    const parsed = parseStateText(text, 'x', format);
    expect(parsed.syntaxError).toBe(true);
    expect(parsed.objects).toEqual([]);
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]?.message).toMatch(message);
  });

  it('keeps YAML 1.2 scalars as Kubernetes reads them (no timestamp or yes/no magic)', () => {
    const text = `
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: px
  creationTimestamp: 2024-03-01T10:00:00Z
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: pxd.portworx.com
parameters: {sharedv4: yes, repl: 2}
`;
    const [sc] = parseStateText(text, 'f.yaml', 'yaml').objects;
    expect(sc).toEqual({
      kind: 'StorageClass',
      obj: {
        name: 'px',
        provisioner: 'pxd.portworx.com',
        parameters: { sharedv4: 'yes', repl: '2' },
        volumeBindingMode: 'Immediate',
        isDefault: true,
        creationTimestamp: '2024-03-01T10:00:00.000Z',
      },
    });
  });

  it('an empty file is valid and empty', () => {
    expect(parseStateText('', 'e.yaml', 'yaml')).toEqual({ objects: [], problems: [], syntaxError: false });
  });

  it.each([
    ['a.yaml', 'yaml'],
    ['a.YML', 'yaml'],
    ['dir/a.json', 'json'],
    ['a.txt', undefined],
    ['yaml', undefined],
  ])('formatOf(%s) = %s', (file, format) => {
    expect(formatOf(file)).toBe(format);
  });
});
