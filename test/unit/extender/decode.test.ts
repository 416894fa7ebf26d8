import { decodeExtenderArgs } from '../../../src/extender/decode.js';
import { encodeFilter, encodePriorities } from '../../../src/extender/encode.js';

const node = (name: string) => ({ metadata: { name }, status: { allocatable: { cpu: '2' } } });

describe('decodeExtenderArgs', () => {
  it.each([
    [
      'NodeNames (nodeCacheCapable: true)',
      { Pod: {}, NodeNames: ['a', 'b'], Nodes: null },
      ['a', 'b'],
      false,
    ],
    [
      'Nodes (nodeCacheCapable: false)',
      { Pod: {}, Nodes: { items: [node('a'), node('b')] }, NodeNames: null },
      ['a', 'b'],
      true,
    ],
    ['lower-case keys', { pod: {}, nodenames: ['a'] }, ['a'], false],
    ['upper-case keys', { POD: {}, NODES: { ITEMS: [node('c')] } }, ['c'], true],
    [
      'NodeNames preferred when both are sent',
      { Pod: {}, NodeNames: ['a'], Nodes: { items: [node('z')] } },
      ['a'],
      false,
    ],
    ['an empty candidate list', { Pod: {}, NodeNames: [] }, [], false],
    ['Nodes without items', { Pod: {}, Nodes: {} }, [], true],
  ])('accepts %s', (_what, body, names, full) => {
    const decoded = decodeExtenderArgs(body);
    if (!decoded.ok) throw new Error(decoded.problem);
    expect(decoded.value.names).toEqual(names);
    expect(decoded.value.nodesByName !== undefined).toBe(full);
  });

  it.each([
    ['a string', 'hello', 'body is not a JSON object (want ExtenderArgs)'],
    ['null', null, 'body is not a JSON object (want ExtenderArgs)'],
    ['an array', [], 'body is not a JSON object (want ExtenderArgs)'],
    ['no Pod', { NodeNames: [] }, 'Pod is missing or not an object'],
    ['Pod null', { Pod: null, NodeNames: [] }, 'Pod is missing or not an object'],
    ['Pod.metadata a string', { Pod: { metadata: 'x' }, NodeNames: [] }, 'Pod.metadata must be an object'],
    ['Pod.spec an array', { Pod: { spec: [] }, NodeNames: [] }, 'Pod.spec must be an object'],
    ['NodeNames an object', { Pod: {}, NodeNames: { a: 1 } }, 'NodeNames must be an array of strings'],
    ['NodeNames holding null', { Pod: {}, NodeNames: ['a', null] }, 'NodeNames must be an array of strings'],
    ['no candidates at all', { Pod: {} }, 'neither NodeNames nor Nodes is given'],
    ['Nodes a list', { Pod: {}, Nodes: [node('a')] }, 'Nodes must be an object (a v1.NodeList)'],
    ['Nodes.items an object', { Pod: {}, Nodes: { items: {} } }, 'Nodes.items must be an array'],
    [
      'a Node without metadata',
      { Pod: {}, Nodes: { items: [node('a'), {}] } },
      'Nodes.items[1].metadata.name is missing',
    ],
    [
      'a Node with an empty name',
      { Pod: {}, Nodes: { items: [{ metadata: { name: '' } }] } },
      'Nodes.items[0].metadata.name is missing',
    ],
  ])('names the problem: %s', (_what, body, problem) => {
    expect(decodeExtenderArgs(body)).toEqual({ ok: false, problem });
  });
});

describe('encodeFilter / encodePriorities', () => {
  const failed = { b: 'storage offline' };

  it('answers NodeNames to a NodeNames request; every failure is unresolvable', () => {
    const decoded = decodeExtenderArgs({ Pod: {}, NodeNames: ['a', 'b', 'c'] });
    if (!decoded.ok) throw new Error(decoded.problem);
    expect(encodeFilter(decoded.value, { passed: ['a', 'c'], failed, unresolvable: false })).toEqual({
      Nodes: null,
      NodeNames: ['a', 'c'],
      FailedNodes: {},
      FailedAndUnresolvableNodes: failed,
      Error: '',
    });
  });

  it('answers the very Node objects to a Nodes request, in the order passed', () => {
    const items = [node('a'), node('b'), node('c')];
    const decoded = decodeExtenderArgs({ Pod: {}, Nodes: { items } });
    if (!decoded.ok) throw new Error(decoded.problem);
    const out = encodeFilter(decoded.value, { passed: ['c', 'a'], failed, unresolvable: false });
    expect(out.NodeNames).toBeNull();
    expect(out.Nodes?.items[0]).toBe(items[2]);
    expect(out.Nodes?.items[1]).toBe(items[0]);
    expect(out.Nodes?.items).toHaveLength(2);
  });

  it('a request-level error carries no node verdicts', () => {
    const decoded = decodeExtenderArgs({ Pod: {}, NodeNames: ['a'] });
    if (!decoded.ok) throw new Error(decoded.problem);
    expect(
      encodeFilter(decoded.value, {
        error: 'waiting for PVC x/y to be bound',
        passed: [],
        failed: {},
        unresolvable: false,
      }),
    ).toEqual({
      Nodes: null,
      NodeNames: null,
      FailedNodes: {},
      FailedAndUnresolvableNodes: {},
      Error: 'waiting for PVC x/y to be bound',
    });
  });

  it('priorities become HostPriority entries with exactly Host and Score', () => {
    const out = encodePriorities([
      { node: 'a', raw: 100, score: 10, reason: 'replica' },
      { node: 'b', raw: 5, score: 1, reason: 'no locality' },
    ]);
    expect(out).toEqual([
      { Host: 'a', Score: 10 },
      { Host: 'b', Score: 1 },
    ]);
    expect(Object.keys(out[0]!)).toEqual(['Host', 'Score']);
  });
});
