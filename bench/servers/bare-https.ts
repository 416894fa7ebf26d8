/**
 * The webhook's baseline: a bare node:https server that reads the request body and answers a fixed
 * AdmissionReview. Same certificate, TLS policy, timeouts and keep-alive as the webhook
 * (src/tls/server.ts), no framework, no parsing: what any Node HTTPS endpoint pays at least.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../../src/tls/server.js';
import { SERVING_TLS_OPTIONS } from '../../src/tls/policy.js';
import { flags } from './args.js';

const f = flags(process.argv.slice(2), ['port', 'cert', 'key', 'body']);
const answer = readFileSync(f['body'] ?? '');
const headers = {
  'content-type': 'application/json; charset=utf-8',
  'content-length': String(answer.length),
};

const server = createServer(
  {
    ...SERVING_TLS_OPTIONS,
    cert: readFileSync(f['cert'] ?? ''),
    key: readFileSync(f['key'] ?? ''),
    requestTimeout: REQUEST_TIMEOUT_MS,
    headersTimeout: REQUEST_TIMEOUT_MS,
  },
  (req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(200, headers);
      res.end(answer);
    });
  },
);
server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
server.listen(Number(f['port']), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
// Readiness is asked on /readyz like the webhook's: any path answers 200 here.
