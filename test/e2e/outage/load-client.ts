/**
 * The second process of the outage test: keeps sending a fixed mix of requests straight to
 * kube-converge — AdmissionReviews to the webhook's /mutate (HTTPS, kept-alive) and ExtenderArgs to
 * /filter and /prioritize — and checks every answer against what the test said to expect. Bounded:
 * at most `total` requests, none started after `maxRunMs`, each cut after `timeoutMs`. SIGTERM ends
 * it early (requests in flight finish). The outcome of every request goes to `reportFile` as JSON.
 *
 * Node built-ins only: ./load.ts transpiles this file and runs it with plain `node`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** An AdmissionReview's expected answer: allowed, the UID echoed, and a patch or none. */
export interface ReviewExpectation {
  readonly kind: 'review';
  /** The scheduler name the patch must set; undefined: no patch at all. */
  readonly schedulerName?: string;
}
/** ExtenderFilterResult: exactly these nodes pass. */
export interface FilterExpectation {
  readonly kind: 'filter';
  readonly nodeNames: readonly string[];
}
/** HostPriorityList: this host alone has the best score, and it is `score`. */
export interface PrioritizeExpectation {
  readonly kind: 'prioritize';
  readonly best: string;
  readonly score: number;
}
export type Expectation = ReviewExpectation | FilterExpectation | PrioritizeExpectation;

export interface Target {
  readonly name: string;
  readonly url: string;
  /** The request body; `__UID__` is replaced by each request's UID. */
  readonly body: string;
  readonly expect: Expectation;
}

export interface OutageLoadOptions {
  readonly targets: readonly Target[];
  /** The webhook's CA (PEM). */
  readonly ca: string;
  readonly lanes: number;
  readonly pauseMs: number;
  readonly total: number;
  readonly maxRunMs: number;
  readonly timeoutMs: number;
  readonly reportFile: string;
}

export interface Outcome {
  /** Index into `targets`. */
  readonly t: number;
  /** Epoch ms when sent. */
  readonly at: number;
  /** Round trip, ms. */
  readonly ms: number;
  readonly ok: boolean;
  readonly status?: number;
  readonly error?: string;
  /** What was wrong with the answer (the first ones only carry the body). */
  readonly problem?: string;
}

export interface OutageLoadReport {
  readonly started: number;
  readonly ended: number;
  readonly outcomes: Outcome[];
}

function decodePatch(patch: unknown): Array<{ op?: string; path?: string; value?: unknown }> {
  if (typeof patch !== 'string') return [];
  return JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as Array<{
    op?: string;
    path?: string;
    value?: unknown;
  }>;
}

/** undefined when the answer is what was expected, otherwise what is wrong. */
export function checkAnswer(expect: Expectation, uid: string, body: unknown): string | undefined {
  if (expect.kind === 'review') {
    const r = (body as { response?: Record<string, unknown> } | null)?.response;
    if (!r || r.uid !== uid || r.allowed !== true) return 'not an allowed review for this UID';
    const ops = decodePatch(r.patch);
    if (expect.schedulerName === undefined)
      return ops.length === 0 ? undefined : 'patched, expected no patch';
    const sets = ops.some((o) => o.path === '/spec/schedulerName' && o.value === expect.schedulerName);
    return sets ? undefined : `no patch to schedulerName ${expect.schedulerName}`;
  }
  if (expect.kind === 'filter') {
    const names = (body as { NodeNames?: unknown } | null)?.NodeNames;
    const got = Array.isArray(names) ? [...(names as string[])].sort().join(',') : '';
    const want = [...expect.nodeNames].sort().join(',');
    return got === want ? undefined : `filter passed [${got}], expected [${want}]`;
  }
  if (!Array.isArray(body)) return 'not a HostPriorityList';
  const scores = body as Array<{ Host?: string; Score?: number }>;
  const top = Math.max(...scores.map((s) => s.Score ?? -1));
  const best = scores.filter((s) => s.Score === top).map((s) => s.Host);
  return best.length === 1 && best[0] === expect.best && top === expect.score
    ? undefined
    : `best ${best.join(',')} at ${top}, expected ${expect.best} at ${expect.score}`;
}

type Send = (t: number, uid: string) => Promise<Omit<Outcome, 't' | 'at' | 'ms'>>;

function sender(opts: OutageLoadOptions): Send {
  const https = new HttpsAgent({ keepAlive: true, maxSockets: opts.lanes, ca: opts.ca });
  const http = new HttpAgent({ keepAlive: true, maxSockets: opts.lanes });
  return (t, uid) =>
    new Promise((resolve) => {
      const target = opts.targets[t] as Target;
      const body = Buffer.from(target.body.replace('__UID__', uid));
      const secure = target.url.startsWith('https:');
      const send = secure ? httpsRequest : httpRequest;
      let settled = false;
      const done = (o: Omit<Outcome, 't' | 'at' | 'ms'>): void => {
        if (settled) return;
        settled = true;
        resolve(o);
      };
      const req = send(
        target.url,
        {
          method: 'POST',
          agent: secure ? https : http,
          ...(secure ? { ca: opts.ca } : {}),
          timeout: opts.timeoutMs,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let problem: string | undefined;
            try {
              problem =
                res.statusCode === 200
                  ? checkAnswer(target.expect, uid, JSON.parse(text))
                  : `HTTP ${res.statusCode}`;
            } catch (err) {
              problem = `unreadable answer: ${(err as Error).message}`;
            }
            done({
              ok: problem === undefined,
              status: res.statusCode ?? 0,
              ...(problem ? { problem: `${problem}: ${text.slice(0, 300)}` } : {}),
            });
          });
          res.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, error: e.code ?? e.message }));
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, error: e.code ?? e.message }));
      req.end(body);
    });
}

export async function runOutageLoad(
  opts: OutageLoadOptions,
  stopped: () => boolean,
): Promise<OutageLoadReport> {
  const send = sender(opts);
  const outcomes: Outcome[] = [];
  const started = Date.now();
  const stopAt = started + opts.maxRunMs;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < opts.total && Date.now() < stopAt && !stopped()) {
      const i = next++;
      const t = i % opts.targets.length;
      const at = Date.now();
      const t0 = performance.now();
      const o = await send(t, `outage-${process.pid}-${i}`);
      outcomes.push({ t, at, ms: Math.round((performance.now() - t0) * 100) / 100, ...o });
      if (opts.pauseMs > 0) await new Promise((ok) => setTimeout(ok, opts.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: opts.lanes }, lane));
  return { started, ended: Date.now(), outcomes: outcomes.sort((a, b) => a.at - b.at) };
}

// Run as a script: `node outage-load.mjs <options.json>`.
if (process.argv[2] !== undefined && process.argv[1]?.endsWith('outage-load.mjs')) {
  let stop = false;
  process.on('SIGTERM', () => (stop = true));
  const opts = JSON.parse(readFileSync(process.argv[2], 'utf8')) as OutageLoadOptions;
  const report = await runOutageLoad(opts, () => stop);
  writeFileSync(opts.reportFile, JSON.stringify(report));
  process.stdout.write(
    `${report.outcomes.length} requests, ${report.outcomes.filter((o) => !o.ok).length} failed\n`,
  );
  process.exit(0);
}
