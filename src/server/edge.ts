import type { NextFunction, Request, Response, RequestHandler } from 'express';
import type { Metrics } from '../observability/metrics.js';

/**
 * Checks made at the edge before a handler sees a request, each answering with a JSON error that
 * names the problem (contract §7): wrong method 405, wrong content type 415, body over the limit 413,
 * not JSON 400, unknown path 404. The body is read and parsed exactly once, here.
 */
export interface ErrorBody {
  error: { code: number; message: string };
}

export function sendError(
  res: Response,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res
    .status(code)
    .set(headers)
    .json({ error: { code, message } } satisfies ErrorBody);
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Reads a request body up to `limit` bytes; a larger body is refused without reading the rest. */
export function readBody(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, `request body of ${declared} bytes is over the limit of ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(new HttpError(413, `request body is over the limit of ${limit} bytes`));
        // Stop reading; the response closes the connection (Connection: close is set on 413).
        req.pause();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new HttpError(400, `could not read the request body: ${err.message}`));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** The parsed JSON body, set by `jsonBody`. */
export function bodyOf(res: Response): unknown {
  return res.locals.body;
}

/**
 * POST-only JSON endpoint guard: method, content type, size, parse. Kubernetes (both kube-apiserver
 * and kube-scheduler) always sends `application/json`; anything else is a client we do not know.
 */
export function jsonBody(opts: { limit: number; metrics: Metrics; server: string }): RequestHandler {
  const refuse = (
    res: Response,
    code: number,
    message: string,
    headers: Record<string, string> = {},
  ): void => {
    opts.metrics.rejected.inc({ server: opts.server, code: String(code) });
    sendError(res, code, message, headers);
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST') {
      refuse(res, 405, `method ${req.method} is not allowed on ${req.path}; use POST`, { Allow: 'POST' });
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      refuse(res, 415, `content type ${JSON.stringify(type ?? '')} is not supported; use application/json`);
      return;
    }
    readBody(req, opts.limit).then(
      (buf) => {
        try {
          res.locals.body = JSON.parse(buf.toString('utf8')) as unknown;
        } catch (e) {
          refuse(res, 400, `request body is not valid JSON: ${(e as Error).message}`);
          return;
        }
        next();
      },
      (err: unknown) => {
        const status = err instanceof HttpError ? err.status : 400;
        // After an oversized body the connection cannot be reused: the rest was never read.
        refuse(res, status, (err as Error).message, status === 413 ? { Connection: 'close' } : {});
      },
    );
  };
}

/** GET-only guard for probes and metrics. */
export function getOnly(req: Request, res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD') {
    next();
    return;
  }
  sendError(res, 405, `method ${req.method} is not allowed on ${req.path}; use GET`, { Allow: 'GET, HEAD' });
}

/** The last handler: 404 for any path nobody serves. */
export function notFound(req: Request, res: Response): void {
  sendError(res, 404, `no such path: ${req.method} ${req.path}`);
}

/** express error handler: never a stack trace on the wire. */
export function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const status = err instanceof HttpError ? err.status : 500;
  sendError(res, status, status === 500 ? 'internal error' : (err as Error).message);
}
