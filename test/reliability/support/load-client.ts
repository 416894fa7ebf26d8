/**
 * The second process of the fault tests: sends `total` AdmissionReviews (each with its own UID) to
 * the webhook over keep-alive HTTPS with `concurrency` in flight, reports progress on stdout as JSON
 * lines, and ends with one line holding every request's outcome. Bounded: each request has a
 * deadline and the whole run a time limit.
 *
 * Node built-ins only: support/spawn-load.ts transpiles this file and runs it with plain `node`.
 */
import { Agent, request } from 'node:https';
import type { Socket } from 'node:net';

export interface LoadOptions {
  readonly url: string;
  readonly ca: string;
  /** The review as JSON text; `__UID__` is replaced by each request's UID. */
  readonly template: string;
  readonly total: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  /** Stop starting requests after this long, whatever `total` says. */
  readonly maxRunMs: number;
  /** A progress line every this many answers. */
  readonly progressEvery: number;
  /** Pause between a lane's requests (0: back to back). */
  readonly pauseMs?: number;
  /** false: a new connection (and TLS handshake) per request. Default true. */
  readonly keepAlive?: boolean;
}

export interface RequestResult {
  readonly i: number;
  readonly uid: string;
  /** Wall-clock ms: when the request was started, and when it ended. */
  readonly start: number;
  readonly end: number;
  readonly status?: number;
  /** The answer echoed the UID and allowed the object. */
  readonly valid?: boolean;
  readonly error?: string;
  /** Sent on a kept-alive connection (opened for an earlier request). */
  readonly reused: boolean;
  /** The serial number of the certificate the connection was made with. */
  readonly serial?: string;
}

export interface LoadReport {
  readonly results: RequestResult[];
}

function once(opts: LoadOptions, agent: Agent | false, i: number): Promise<RequestResult> {
  const uid = `load-${process.pid}-${i}`;
  const body = Buffer.from(opts.template.replace('__UID__', uid));
  const start = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    let serial: string | undefined;
    let reused = false;
    const done = (r: Omit<RequestResult, 'i' | 'uid' | 'start' | 'end' | 'reused' | 'serial'>): void => {
      if (settled) return;
      settled = true;
      resolve({ i, uid, start, end: Date.now(), reused, serial, ...r });
    };
    const req = request(
      opts.url,
      {
        method: 'POST',
        agent,
        ca: opts.ca,
        timeout: opts.timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let valid = false;
          try {
            const r = JSON.parse(Buffer.concat(chunks).toString('utf8')).response;
            valid = r?.uid === uid && r?.allowed === true;
          } catch {
            valid = false;
          }
          done({ status: res.statusCode, valid });
        });
        res.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code ?? e.message }));
      },
    );
    req.on(
      'socket',
      (s: Socket & { getPeerX509Certificate?: () => { serialNumber: string } | undefined }) => {
        reused = req.reusedSocket;
        // Read while the socket is open: a one-shot connection may be gone by the time the answer is.
        const read = (): void => {
          serial ??= s.getPeerX509Certificate?.()?.serialNumber;
        };
        read();
        if (serial === undefined) s.once('secureConnect', read);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code ?? e.message }));
    req.end(body);
  });
}

export async function runLoad(opts: LoadOptions, say: (line: object) => void): Promise<LoadReport> {
  // Without keep-alive, a new agent per request: no pooled socket and no TLS session to resume (Node
  // resumes even with maxCachedSessions 0), so every request makes a full handshake and sees the
  // certificate being served — as Go's http.Transport, which keeps no session cache by default.
  const agent =
    opts.keepAlive === false
      ? false
      : new Agent({ keepAlive: true, maxSockets: opts.concurrency, ca: opts.ca });
  const results: RequestResult[] = [];
  const stopAt = Date.now() + opts.maxRunMs;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < opts.total && Date.now() < stopAt) {
      const r = await once(opts, agent, next++);
      results.push(r);
      if (results.length % opts.progressEvery === 0) say({ progress: results.length, at: Date.now() });
      if (opts.pauseMs) await new Promise((ok) => setTimeout(ok, opts.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, lane));
  if (agent) agent.destroy();
  return { results: results.sort((a, b) => a.i - b.i) };
}

// Run as a script: options as JSON in argv[2]; JSON lines out.
if (process.argv[2] !== undefined && process.argv[1]?.endsWith('load-client.mjs')) {
  const say = (line: object): void => void process.stdout.write(JSON.stringify(line) + '\n');
  runLoad(JSON.parse(process.argv[2]) as LoadOptions, say).then(
    (report) => say({ report }),
    (err: unknown) => {
      say({ crashed: String(err) });
      process.exitCode = 1;
    },
  );
}
