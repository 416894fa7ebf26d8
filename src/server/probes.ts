import type { Express, Request, Response } from 'express';
import { getOnly } from './edge.js';

/** A readiness check: undefined when fine, otherwise why not. */
export type ReadinessCheck = () => string | undefined;

/**
 * `/healthz` (the process answers) and `/readyz` (every check passes: caches synced, a certificate
 * loaded ...). Registered before any logging middleware: probes stay out of the access log.
 */
export function mountProbes(app: Express, checks: Readonly<Record<string, ReadinessCheck>>): void {
  app.all('/healthz', getOnly, (_req: Request, res: Response) => {
    res.type('text/plain').send('ok');
  });
  app.all('/readyz', getOnly, (_req: Request, res: Response) => {
    const failing: Record<string, string> = {};
    for (const [name, check] of Object.entries(checks)) {
      const why = check();
      if (why !== undefined) failing[name] = why;
    }
    const ready = Object.keys(failing).length === 0;
    res.status(ready ? 200 : 503).json({ ready, ...(ready ? {} : { failing }) });
  });
}
