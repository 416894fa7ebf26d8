import express, { type Express, type Response } from 'express';
import { EVENT_REASON } from '../contract/index.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { bodyOf, errorHandler, jsonBody, notFound, sendError } from '../server/edge.js';
import { mountProbes, type ReadinessCheck } from '../server/probes.js';
import { decodeExtenderArgs, type Candidates } from './decode.js';
import { encodeFilter, encodePriorities } from './encode.js';
import { evaluatePod, type EvaluateDeps, type Evaluation } from './evaluate.js';
import { nonOptimumMessage, type EventRecorder } from './events.js';

export interface ExtenderDeps extends EvaluateDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly events: EventRecorder;
  /** Full Node lists (nodeCacheCapable: false) at 5,000 nodes run to tens of MiB. */
  readonly maxBodyBytes: number;
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
}

type Verb = 'filter' | 'prioritize';

/** The scheduler extender: `POST /filter`, `POST /prioritize`, probes, 404 for the rest. */
export function createExtenderApp(deps: ExtenderDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  mountProbes(app, deps.readiness);
  const guard = jsonBody({ limit: deps.maxBodyBytes, metrics: deps.metrics, server: 'extender' });
  app.all('/filter', guard, (_req, res) => handle(deps, 'filter', res));
  app.all('/prioritize', guard, (_req, res) => handle(deps, 'prioritize', res));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}

/** decode -> evaluate -> encode. A malformed request is a 400; a rejected node is a 200 with a reason. */
async function handle(deps: ExtenderDeps, verb: Verb, res: Response): Promise<void> {
  const started = process.hrtime.bigint();
  const decoded = decodeExtenderArgs(bodyOf(res));
  if (!decoded.ok) {
    deps.metrics.extenderCalls.inc({ verb, result: 'bad-request' });
    deps.logger.warn({ verb, problem: decoded.problem }, 'malformed ExtenderArgs');
    sendError(res, 400, `malformed ExtenderArgs: ${decoded.problem}`);
    return;
  }
  const c = decoded.value;
  let evaluation: Evaluation;
  try {
    evaluation = await evaluatePod(c.pod, c.names, deps);
  } catch (err) {
    // A fault is not a verdict on the nodes: say so in Error (filter) so the scheduler retries.
    deps.metrics.extenderDuration.observe({ verb }, secondsSince(started));
    deps.metrics.extenderCalls.inc({ verb, result: 'error' });
    deps.logger.error({ err, verb }, 'extender evaluation failed');
    if (verb === 'filter')
      res.json(
        encodeFilter(c, {
          error: `kube-converge: ${(err as Error).message}`,
          passed: [],
          failed: {},
          unresolvable: false,
        }),
      );
    else res.json(c.names.map((Host) => ({ Host, Score: 0 })));
    return;
  }
  if (verb === 'filter') res.json(encodeFilter(c, evaluation.scores.filter));
  else res.json(encodePriorities(evaluation.scores.priorities));
  observe(deps, verb, c, evaluation, started);
}

function secondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function observe(deps: ExtenderDeps, verb: Verb, c: Candidates, e: Evaluation, started: bigint): void {
  const seconds = secondsSince(started);
  deps.metrics.extenderDuration.observe({ verb }, seconds);
  deps.metrics.extenderCalls.inc({
    verb,
    result: verb === 'filter' && e.scores.filter.error ? 'error' : 'ok',
  });
  if (e.liveReads > 0) deps.metrics.liveReads.inc(e.liveReads);
  const log = deps.logger.child({ pod: `${e.namespace}/${e.name}`, ...(e.uid ? { uid: e.uid } : {}) });
  // Sources log their own outages, rate-limited (a Portworx outage must not mean a line per call).
  for (const p of e.problems)
    log.debug({ source: p.source, problem: p.message }, 'placement source failed; next source asked');
  if (verb === 'prioritize') {
    const message = nonOptimumMessage(e, c.names);
    if (message)
      deps.events.record({
        namespace: e.namespace,
        podName: e.name,
        podUid: e.uid,
        reason: EVENT_REASON.nonOptimumScheduling,
        message,
      });
  }
  log.debug({ verb, candidates: c.names.length, ms: Math.round(seconds * 1e4) / 10 }, 'extender call');
}
