/**
 * What the least-privilege suite observes of a kube-converge process: its JSON log (pino, one object
 * per line), its /readyz, and its answers to an AdmissionReview and an extender call sent straight to
 * it, the way kube-apiserver and kube-scheduler send them.
 */
import { readFileSync } from 'node:fs';
import type { KubeConverge } from '../harness/kube-converge.js';
import { fetchText, until } from '../harness/util.js';

export interface LogEntry {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** Every log line that parses as JSON (the harness's own `====` start lines do not). */
export function logEntries(file: string): LogEntry[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch {
      // a line cut short while being written
    }
  }
  return out;
}

/**
 * An HTTP 403 from the API server, in the shapes the program logs it: `HTTP-Code: 403` (client-node's
 * ApiException), `Forbidden` (a refused watch), the Status body's "... is forbidden: User ...".
 */
export const FORBIDDEN = /HTTP-Code: 403|\bforbidden\b/i;

/** The entry's text: its message, error fields and a logged error object, for matching. */
export function entryText(e: LogEntry): string {
  return JSON.stringify(e);
}

/** Waits for a log entry with this message (and passing `match`); returns it. */
export function waitLog(
  kc: KubeConverge,
  msg: string,
  match: (e: LogEntry) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<LogEntry> {
  return until(
    `${what} (log ${kc.logFile})`,
    () => logEntries(kc.logFile).find((e) => e.msg === msg && match(e)),
    { timeoutMs, intervalMs: 200 },
  );
}

/** /readyz: status and the failing checks. */
export async function readiness(
  kc: KubeConverge,
): Promise<{ status: number; failing: Record<string, string> }> {
  const r = await kc.readiness();
  const body = JSON.parse(r.body) as { failing?: Record<string, string> };
  return { status: r.status, failing: body.failing ?? {} };
}

/** A pod as kube-apiserver puts it into an AdmissionReview (no schedulerName yet: defaulting comes later). */
export function reviewOf(namespace: string, name: string, volumes: unknown[]): object {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `${name}-${Date.now()}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      operation: 'CREATE',
      namespace,
      name,
      userInfo: { username: 'e2e' },
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace },
        spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }], volumes },
      },
    },
  };
}

/** POSTs the review to the webhook; the schedulerName its patch sets (undefined: not mutated). */
export async function scheduleNameSet(
  webhookUrl: string,
  ca: string,
  review: object,
): Promise<string | undefined> {
  const r = await fetchText(webhookUrl, {
    method: 'POST',
    body: JSON.stringify(review),
    ca,
    timeoutMs: 10_000,
  });
  if (r.status !== 200) throw new Error(`POST ${webhookUrl}: HTTP ${r.status} ${r.body}`);
  const response = (JSON.parse(r.body) as { response: { allowed: boolean; patch?: string } }).response;
  if (!response.allowed) throw new Error(`the webhook refused the pod: ${r.body}`);
  if (!response.patch) return undefined;
  const ops = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as Array<{
    path: string;
    value?: unknown;
  }>;
  const op = ops.find((o) => o.path === '/spec/schedulerName');
  return typeof op?.value === 'string' ? op.value : undefined;
}
