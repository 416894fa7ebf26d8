/**
 * The load generator: a process of its own (forked by bench/lib/proc.ts), one job per process. It
 * receives the job over IPC, runs it and answers with the result, then exits.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import autocannon from 'autocannon';
import { latencyStats } from '../lib/stats.js';
import type {
  LoadJob,
  RateJob,
  RateResult,
  SequentialJob,
  SequentialResult,
  ThroughputJob,
  ThroughputResult,
} from './jobs.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function readBodies(file: string): string[] {
  const bodies = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(bodies) || bodies.length === 0 || !bodies.every((b) => typeof b === 'string'))
    throw new Error(`${file}: want a non-empty JSON array of request bodies`);
  return bodies;
}

async function throughput(job: ThroughputJob): Promise<ThroughputResult> {
  const url = new URL(job.url);
  const requests = readBodies(job.bodiesFile).map((body) => ({
    method: 'POST',
    path: url.pathname,
    headers: JSON_HEADERS,
    body,
  }));
  const options = { url: url.origin, connections: job.connections, requests, timeout: 10 };
  const warm =
    job.warmupSeconds > 0 ? await autocannon({ ...options, duration: job.warmupSeconds }) : undefined;
  const r = await autocannon({ ...options, duration: job.seconds });
  return {
    warmupOk: warm?.['2xx'] ?? 0,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    seconds: r.duration,
    rps: r['2xx'] / r.duration,
    latencyP50: r.latency.p50,
    latencyP99: r.latency.p99,
  };
}

interface Sample {
  readonly latency: number;
  readonly lag: number;
}

/** Sends one request; resolves with its status (0 on a transport error) once the answer is read. */
function post(
  send: typeof httpRequest,
  url: URL,
  agent: HttpAgent,
  body: string | Buffer,
): Promise<{ status: number; bytes: Buffer[] }> {
  return new Promise((resolve) => {
    const req = send(
      url,
      // The agent carries the TLS settings (the CA) for HTTPS.
      { method: 'POST', agent, headers: { ...JSON_HEADERS, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes: chunks }));
        res.on('error', () => resolve({ status: 0, bytes: [] }));
      },
    );
    req.on('error', () => resolve({ status: 0, bytes: [] }));
    req.end(body);
  });
}

async function rate(job: RateJob): Promise<RateResult> {
  const url = new URL(job.url);
  const bodies = readBodies(job.bodiesFile);
  const agent = new HttpsAgent({ keepAlive: true, maxSockets: job.maxSockets, ca: job.ca });
  const interval = 1000 / job.rate;
  const warmupMs = job.warmupSeconds * 1000;
  const endMs = warmupMs + job.seconds * 1000;
  const samples: Sample[] = [];
  let sent = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const inflight = new Set<Promise<void>>();
  const start = now();

  const fire = (i: number): void => {
    const due = i * interval;
    const left = now();
    const measured = due >= warmupMs;
    if (measured) sent++;
    const p = post(httpsRequest, url, agent, bodies[i % bodies.length] ?? '').then(({ status }) => {
      inflight.delete(p);
      if (!measured) return;
      if (status === 0) errors++;
      else if (status < 200 || status >= 300) non2xx++;
      else {
        ok++;
        samples.push({ latency: now() - left, lag: left - start - due });
      }
    });
    inflight.add(p);
  };

  await new Promise<void>((resolve) => {
    let i = 0;
    const tick = (): void => {
      const t = now() - start;
      // Catch up: every request whose time has come leaves now, whatever is still in flight.
      while (i * interval <= t && i * interval < endMs) fire(i++);
      if (i * interval >= endMs) return resolve();
      setTimeout(tick, Math.max(0, i * interval - (now() - start)));
    };
    tick();
  });
  await Promise.all(inflight);
  const sockets = Object.values(agent.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0);
  agent.destroy();
  return {
    sent,
    ok,
    non2xx,
    errors,
    achievedRate: sent / job.seconds,
    latency: latencyStats(samples.map((s) => s.latency)),
    lagP99: latencyStats(samples.map((s) => s.lag)).p99,
    socketsUsed: sockets,
  };
}

async function sequential(job: SequentialJob): Promise<SequentialResult> {
  const body = readFileSync(job.bodyFile);
  const latencies: Record<string, number[][]> = {};
  const firstAnswer: Record<string, { sha256: string; bytes: number; status: number }> = {};
  const agents = new Map<string, HttpAgent>();
  for (const t of job.targets) {
    agents.set(t.name, new HttpAgent({ keepAlive: true, maxSockets: 1 }));
    latencies[t.name] = [];
  }
  const once = async (t: { name: string; url: string }): Promise<number> => {
    const url = new URL(t.url);
    const agent = agents.get(t.name) as HttpAgent;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const started = now();
    const answer = await post(send, url, agent, body);
    const ms = now() - started;
    if (answer.status !== 200) throw new Error(`${t.name}: HTTP ${answer.status} from ${t.url}`);
    if (!firstAnswer[t.name]) {
      const all = Buffer.concat(answer.bytes);
      firstAnswer[t.name] = {
        sha256: createHash('sha256').update(all).digest('hex'),
        bytes: all.length,
        status: answer.status,
      };
    }
    return ms;
  };
  for (const t of job.targets) {
    const started = now();
    for (let i = 0; i < job.warmup || now() - started < job.warmupMs; i++) await once(t);
  }
  for (let rep = 0; rep < job.reps; rep++) {
    // Alternate the order, so neither target always runs right after the other's garbage.
    const order = rep % 2 === 0 ? job.targets : [...job.targets].reverse();
    for (const t of order) {
      const out: number[] = [];
      const started = now();
      while (out.length < job.maxSamples && (out.length < job.minSamples || now() - started < job.budgetMs))
        out.push(await once(t));
      latencies[t.name]?.push(out);
    }
  }
  for (const agent of agents.values()) agent.destroy();
  return { latencies, firstAnswer };
}

function run(job: LoadJob): Promise<ThroughputResult | RateResult | SequentialResult> {
  switch (job.kind) {
    case 'throughput':
      return throughput(job);
    case 'rate':
      return rate(job);
    case 'sequential':
      return sequential(job);
  }
}

process.once('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
    (err: unknown) =>
      process.send?.({ ok: false, error: err instanceof Error ? err.message : String(err) }, () =>
        process.exit(1),
      ),
  );
});
