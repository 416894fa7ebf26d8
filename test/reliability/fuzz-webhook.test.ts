/**
 * At least 10,000 generated and mutated AdmissionReviews per run at the real webhook (startServers,
 * HTTPS on a loopback port, keep-alive sockets like kube-apiserver's). Every answer is held to the
 * oracle in support/reviews.ts; afterwards the server still answers a known-good review correctly.
 * `KC_FUZZ_RUNS=500` shortens a local run; `KC_FUZZ_SEED=n` replays one.
 */
import fc from 'fast-check';
import { inParallel, KeepAliveClient } from './support/client.js';
import { Failures } from './support/failures.js';
import { fuzzRuns, recordFigures, Tally } from './support/figures.js';
import { checkReviewAnswer, reviewCase, type GeneratedCase, type Limits } from './support/reviews.js';
import { startInProcess, type InProcess } from './support/servers.js';

const BATCH = 16;
const LIMITS: Limits = { maxBodyBytes: 256 * 1024, maxDepth: 1000 };

describe('the webhook under 10,000 generated and mutated AdmissionReviews', () => {
  let srv: InProcess;
  let client: KeepAliveClient;
  beforeAll(async () => {
    srv = await startInProcess({ maxReviewBytes: String(LIMITS.maxBodyBytes) });
    client = new KeepAliveClient(srv.webhook, { ca: srv.ca, sockets: BATCH, timeoutMs: 10_000 });
  });
  afterAll(async () => {
    client?.close();
    await srv?.close();
  });

  const knownGood = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'known-good',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      operation: 'CREATE',
      namespace: 'shop',
      object: {
        metadata: { generateName: 'p-', namespace: 'shop' },
        spec: {
          containers: [{ name: 'c' }],
          volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }],
        },
      },
    },
  };

  it('answers every one with a valid review or a 4xx JSON error, and still answers correctly after', async () => {
    const runs = fuzzRuns();
    const families = new Tally();
    const statuses = new Tally();
    const started = Date.now();
    const failures = new Failures();
    const send = async (c: GeneratedCase): Promise<void> => {
      families.add(c.family);
      const outcome = await client.send({ path: '/mutate', body: c.body });
      statuses.add(outcome.kind === 'reply' ? String(outcome.status) : outcome.kind);
      failures.check(c, outcome, () => checkReviewAnswer(c.body, outcome, LIMITS));
    };
    await failures.assert(
      fc.asyncProperty(fc.array(reviewCase, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        await inParallel(batch, BATCH, send);
      }),
      Math.ceil(runs / BATCH),
    );
    const seconds = (Date.now() - started) / 1000;

    const after = await client.send({ path: '/mutate', body: JSON.stringify(knownGood) });
    expect(after).toMatchObject({ kind: 'reply', status: 200 });
    const body = JSON.parse(after.kind === 'reply' ? after.text : '{}');
    expect(body.response).toMatchObject({ uid: 'known-good', allowed: true, patchType: 'JSONPatch' });
    expect(families.total).toBeGreaterThanOrEqual(runs);
    expect(statuses.counts['200']).toBeGreaterThan(runs / 4);
    expect(statuses.counts['400']).toBeGreaterThan(runs / 10);
    recordFigures('fuzz-webhook', {
      requests: families.total,
      failed: failures.count,
      seconds,
      statuses: statuses.counts,
      families: families.counts,
    });
  }, 600_000);
});
