/**
 * At least 10,000 generated and mutated ExtenderArgs per run at the real extender (startServers, HTTP
 * on a loopback port, keep-alive like kube-scheduler's client), both verbs, both request shapes
 * (NodeNames and full Nodes). Every answer is held to the oracle in support/extender-args.ts;
 * afterwards the server still filters a known pod correctly. `KC_FUZZ_RUNS` / `KC_FUZZ_SEED` as for
 * the webhook.
 */
import fc from 'fast-check';
import { inParallel, KeepAliveClient } from './support/client.js';
import { checkExtenderAnswer, extenderCase } from './support/extender-args.js';
import { Failures } from './support/failures.js';
import { fuzzRuns, recordFigures, Tally } from './support/figures.js';
import type { GeneratedCase, Limits } from './support/reviews.js';
import { startInProcess, type InProcess } from './support/servers.js';

const BATCH = 16;
const LIMITS: Limits = { maxBodyBytes: 256 * 1024, maxDepth: 1000 };

describe('the extender under 10,000 generated and mutated ExtenderArgs', () => {
  let srv: InProcess;
  let client: KeepAliveClient;
  beforeAll(async () => {
    srv = await startInProcess({ maxExtenderBytes: String(LIMITS.maxBodyBytes) });
    client = new KeepAliveClient(srv.extender, { sockets: BATCH, timeoutMs: 10_000 });
  });
  afterAll(async () => {
    client?.close();
    await srv?.close();
  });

  it('answers every one in the shape asked or with a 4xx JSON error, and still filters correctly after', async () => {
    const runs = fuzzRuns();
    const families = new Tally();
    const statuses = new Tally();
    const failures = new Failures();
    const started = Date.now();
    const send = async (c: GeneratedCase & { path: string }): Promise<void> => {
      families.add(`${c.path.slice(1)} ${c.family}`);
      const outcome = await client.send({ path: c.path, body: c.body });
      statuses.add(outcome.kind === 'reply' ? String(outcome.status) : outcome.kind);
      failures.check(c, outcome, () => checkExtenderAnswer(c.path, c.body, outcome, LIMITS));
    };
    await failures.assert(
      fc.asyncProperty(fc.array(extenderCase, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        await inParallel(batch, BATCH, send);
      }),
      Math.ceil(runs / BATCH),
    );
    const seconds = (Date.now() - started) / 1000;

    const pod = {
      metadata: { name: 'db-0', namespace: 'shop' },
      spec: { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] },
    };
    const after = await client.send({
      path: '/filter',
      body: JSON.stringify({ Pod: pod, NodeNames: ['n1', 'n2', 'n5'] }),
    });
    expect(after).toMatchObject({ kind: 'reply', status: 200 });
    const body = JSON.parse(after.kind === 'reply' ? after.text : '{}');
    expect(body.NodeNames).toEqual(['n1', 'n2']);
    expect(Object.keys(body.FailedAndUnresolvableNodes)).toEqual(['n5']);
    expect(families.total).toBeGreaterThanOrEqual(runs);
    expect(statuses.counts['200']).toBeGreaterThan(runs / 4);
    expect(statuses.counts['400']).toBeGreaterThan(runs / 10);
    recordFigures('fuzz-extender', {
      requests: families.total,
      failed: failures.count,
      seconds,
      statuses: statuses.counts,
      families: families.counts,
    });
  }, 600_000);
});
