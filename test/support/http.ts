import { request as httpsRequest } from 'node:https';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeCA, makeServingCert, type PemPair } from '../../src/tls/certs.js';

export interface TestTls {
  ca: PemPair;
  serving: PemPair;
}

let cached: Promise<TestTls> | undefined;
/** One CA and a 127.0.0.1/localhost serving pair per test file (key generation is the slow part). */
export function testTls(): Promise<TestTls> {
  cached ??= (async () => {
    const ca = await makeCA({ commonName: 'test CA', validDays: 2 });
    const serving = await makeServingCert({
      ca,
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      validDays: 2,
    });
    return { ca, serving };
  })();
  return cached;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any;
}

/** One request; `ca` set means HTTPS trusting that CA. Never follows redirects, never retries. */
export function send(
  url: string,
  opts: { method?: string; body?: string | Buffer; headers?: Record<string, string>; ca?: string } = {},
): Promise<HttpReply> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      { method: opts.method ?? 'POST', headers: opts.headers, ca: opts.ca, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export const postJson = (url: string, body: unknown, ca?: string) =>
  send(url, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, ca });

/** A port free right now on 127.0.0.1 (settings use 0 to mean "disabled", so tests pick real ones). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
