import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { RequestResult } from './load-client.js';

/** examples/reviews/pod-create-v1.json with a `__UID__` placeholder (a managed claim: answered with a patch). */
export function reviewTemplate(): string {
  const review = JSON.parse(
    readFileSync(join(process.cwd(), 'examples', 'reviews', 'pod-create-v1.json'), 'utf8'),
  );
  review.request.uid = '__UID__';
  return JSON.stringify(review);
}

export interface Classified {
  total: number;
  ok: number;
  /** Failed among requests started before `at` (must be none). */
  failedBefore: RequestResult[];
  /** After `at`, by outcome: "ok", "ECONNREFUSED on a new connection", ... */
  after: Record<string, number>;
}

/** Splits a load report at a moment (the signal, the rotation) and counts outcomes. */
export function classify(results: readonly RequestResult[], at: number): Classified {
  const good = (r: RequestResult): boolean => r.status === 200 && r.valid === true;
  const after: Record<string, number> = {};
  for (const r of results.filter((x) => x.start >= at)) {
    const how = r.error ?? `status ${r.status}`;
    const key = good(r) ? 'ok' : `${how} on a ${r.reused ? 'kept-alive' : 'new'} connection`;
    after[key] = (after[key] ?? 0) + 1;
  }
  return {
    total: results.length,
    ok: results.filter(good).length,
    failedBefore: results.filter((r) => r.start < at && !good(r)),
    after,
  };
}

/** GET on a fresh connection (as kubelet probes): the status, or the socket error code. */
export function probe(url: URL, ca?: string): Promise<number | string> {
  const get = url.protocol === 'https:' ? httpsRequest : request;
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: 2000, ca }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end();
  });
}
