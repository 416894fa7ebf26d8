/**
 * JSON.parse takes any depth (V8 parses iteratively: 1,000,000 nested arrays parse), but JSON.stringify
 * and every recursive walk overflow the stack at a few thousand levels. Before the edge refused deep
 * bodies, a 10,000-deep `kind` reached `JSON.stringify` in the decode error message and an echoed
 * extender Node reached it in `res.json`: a RangeError, answered 500. No Kubernetes object nests past a
 * few dozen levels (the API server decodes into typed structs), so the edge now refuses depth > 1000.
 */
import { KeepAliveClient, type Outcome } from './support/client.js';
import { startInProcess, type InProcess } from './support/servers.js';

const deepArrays = (n: number): string => '['.repeat(n) + ']'.repeat(n);
const deepObjects = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

const review = (request: string): string =>
  `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":${request}}`;
const pod =
  '{"metadata":{"name":"db-0","namespace":"shop"},"spec":{"volumes":[{"name":"d","persistentVolumeClaim":{"claimName":"data"}}]}}';
const gvk = '{"group":"","version":"v1","kind":"Pod"}';

describe('deeply nested JSON is refused at the edge with a 400, never a 500', () => {
  let srv: InProcess;
  let webhook: KeepAliveClient;
  let extender: KeepAliveClient;
  beforeAll(async () => {
    srv = await startInProcess();
    webhook = new KeepAliveClient(srv.webhook, { ca: srv.ca, sockets: 2, timeoutMs: 10_000 });
    extender = new KeepAliveClient(srv.extender, { sockets: 2, timeoutMs: 10_000 });
  });
  afterAll(async () => {
    webhook?.close();
    extender?.close();
    await srv?.close();
  });

  const expectRefused = (o: Outcome): void => {
    expect(o.kind).toBe('reply');
    if (o.kind !== 'reply') return;
    expect({ status: o.status, body: JSON.parse(o.text) }).toEqual({
      status: 400,
      body: { error: { code: 400, message: expect.stringMatching(/nests deeper than 1000 levels/) } },
    });
  };

  it.each([
    ['a 10,000-deep request.kind', review(`{"uid":"u","kind":${deepArrays(10_000)},"operation":"CREATE"}`)],
    ['a 10,000-deep operation', review(`{"uid":"u","kind":${gvk},"operation":${deepObjects(10_000)}}`)],
    ['a 10,000-deep apiVersion', `{"apiVersion":${deepArrays(10_000)},"kind":"AdmissionReview"}`],
    ['1,000,000 nested arrays as the whole body', deepArrays(1_000_000)],
    [
      'a well-formed review with a 2,000-deep annotation value',
      review(
        `{"uid":"u","kind":${gvk},"operation":"CREATE","object":{"metadata":{"annotations":{"a":${deepArrays(2000)}}},"spec":{}}}`,
      ),
    ],
  ])('webhook: %s', async (_what, body) => {
    expectRefused(await webhook.send({ path: '/mutate', body }));
  });

  it.each([
    [
      'an echoed Node with a 10,000-deep status (filter, Nodes shape)',
      '/filter',
      `{"Pod":${pod},"Nodes":{"items":[{"metadata":{"name":"n1"},"status":${deepArrays(10_000)}}]}}`,
    ],
    ['a 10,000-deep Pod.spec', '/prioritize', `{"Pod":{"spec":${deepObjects(10_000)}},"NodeNames":["n1"]}`],
    ['10,000-deep NodeNames', '/filter', `{"Pod":${pod},"NodeNames":${deepArrays(10_000)}}`],
  ])('extender: %s', async (_what, path, body) => {
    expectRefused(await extender.send({ path, body }));
  });

  it('counts only structure: brackets and escaped quotes inside strings are text', async () => {
    const tricky = JSON.stringify(`\\"${'['.repeat(3000)}\\`);
    const body = review(
      `{"uid":"u","kind":${gvk},"operation":"CREATE","object":{"metadata":{"annotations":{"a":${tricky}}}}}`,
    );
    const o = await webhook.send({ path: '/mutate', body });
    expect(o).toMatchObject({ kind: 'reply', status: 200 });
  });

  it('accepts depth 1000 exactly (a limit, not a ban on nesting)', async () => {
    const body = review(`{"uid":"u","kind":${gvk},"operation":"CREATE","object":{"x":${deepArrays(997)}}}`);
    const o = await webhook.send({ path: '/mutate', body });
    expect(o).toMatchObject({ kind: 'reply', status: 200 });
    if (o.kind === 'reply') expect(JSON.parse(o.text).response).toMatchObject({ uid: 'u', allowed: true });
  });
});
