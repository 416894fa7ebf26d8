import express, { type Express } from 'express';
import type { Metrics } from '../observability/metrics.js';
import { errorHandler, getOnly, notFound } from './edge.js';
import { mountProbes, type ReadinessCheck } from './probes.js';

/** Plain-HTTP `GET /metrics` (Prometheus text format) plus the probes. */
export function createMetricsApp(
  metrics: Metrics,
  readiness: Readonly<Record<string, ReadinessCheck>>,
): Express {
  const app = express();
  app.disable('x-powered-by');
  mountProbes(app, readiness);
  app.all('/metrics', getOnly, (_req, res, next) => {
    metrics.registry.metrics().then((text) => {
      res.type(metrics.registry.contentType).send(text);
    }, next);
  });
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
