import express, { type Express, type Request, type Response } from 'express';
import { admit } from '../admission/admit.js';
import { decodeReview, salvageUid } from '../admission/decode.js';
import type { MutationConfig } from '../admission/decide.js';
import { errored, review } from '../admission/respond.js';
import type { ClusterView } from '../cluster/view.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { bodyOf, errorHandler, jsonBody, notFound, sendError } from './edge.js';
import { mountProbes, type ReadinessCheck } from './probes.js';

export interface WebhookDeps {
  readonly view: ClusterView;
  readonly mutation: MutationConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Body limit. kube-apiserver caps objects at ~1.5 MiB in etcd and a review may carry the object
   *  and the old object; controller-runtime settled on 7 MiB for the same reason. */
  readonly maxBodyBytes: number;
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
}

/** The webhook's express app: probes, then `POST /mutate`, then 404 for everything else. */
export function createWebhookApp(deps: WebhookDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  mountProbes(app, deps.readiness);
  app.all(
    '/mutate',
    jsonBody({ limit: deps.maxBodyBytes, metrics: deps.metrics, server: 'webhook' }),
    (req, res) => handleMutate(deps, req, res),
  );
  app.use(notFound);
  app.use(errorHandler);
  return app;
}

/** decode -> admit -> encode; a malformed review is a 400 naming the problem, a fault is logged and allowed. */
async function handleMutate(deps: WebhookDeps, _req: Request, res: Response): Promise<void> {
  const started = process.hrtime.bigint();
  const body = bodyOf(res);
  const decoded = decodeReview(body);
  if (!decoded.ok) {
    deps.metrics.rejected.inc({ server: 'webhook', code: '400' });
    deps.logger.warn({ uid: salvageUid(body), problem: decoded.problem }, 'malformed AdmissionReview');
    sendError(res, 400, `malformed AdmissionReview: ${decoded.problem}`);
    return;
  }
  const request = decoded.value.request;
  const log = deps.logger.child({ uid: request.uid });
  const kind = request.kind.kind;
  try {
    const result = await admit(decoded.value, deps.view, deps.mutation);
    const { decision } = result;
    res.json(result.out);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    deps.metrics.reviews.inc({ kind, outcome: decision.outcome });
    deps.metrics.reviewDuration.observe({ kind }, seconds);
    if (result.liveReads > 0) deps.metrics.liveReads.inc(result.liveReads);
    const unknown = decision.volumes.filter((v) => v.unknown).length;
    if (unknown > 0) deps.metrics.unknownVolumes.inc(unknown);
    // Mutations and warnings at info; the pass-through majority (no managed storage) at debug: one
    // log line per review was ~40% of the webhook's CPU under load (BENCHMARKS.md).
    const level = decision.patch.length > 0 || decision.warnings.length > 0 ? 'info' : 'debug';
    log[level](
      {
        kind,
        operation: request.operation,
        subject: decision.subject,
        outcome: decision.outcome,
        reason: decision.reason,
        dryRun: request.dryRun,
        liveReads: result.liveReads,
        ms: Math.round(seconds * 1e4) / 10,
      },
      'admission decision',
    );
  } catch (err) {
    // A bug must not become a cluster outage, nor lose the request: answer allowed, say why, count it.
    log.error({ err, kind }, 'admission failed; allowing unchanged');
    deps.metrics.reviews.inc({ kind, outcome: 'error' });
    res.json(review(decoded.value.apiVersion, errored(request.uid, (err as Error).message)));
  }
}
