/**
 * The serving certificate replaced on disk while `kube-converge serve` (its own process) answers a
 * second process's reviews, one TLS handshake per request so every request sees whichever
 * certificate is current. No request fails; connections made after the swap get the new certificate.
 */
import { X509Certificate } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { makeServingCert } from '../../src/tls/certs.js';
import { testTls } from '../support/http.js';
import { serveOnLoopback, type Served } from './support/cli.js';
import { recordFigures } from './support/figures.js';
import { classify, reviewTemplate } from './support/load.js';
import { openConnection } from './support/sockets.js';
import { spawnLoad } from './support/spawn-load.js';

/** Replaces a file the way a careful writer does: a new file, renamed over the old. */
function replace(path: string, content: string): void {
  writeFileSync(`${path}.new`, content, { mode: 0o600 });
  renameSync(`${path}.new`, path);
}

async function servedSerial(s: Served): Promise<string> {
  const socket = await openConnection(s.webhook, s.ca);
  const serial = (socket as unknown as { getPeerX509Certificate(): X509Certificate }).getPeerX509Certificate()
    .serialNumber;
  socket.destroy();
  return serial;
}

describe('certificate rotated on disk while serving under load', () => {
  let s: Served | undefined;
  afterAll(async () => {
    await s?.proc.kill();
  });

  it('fails no request and serves the new certificate afterwards', async () => {
    s = await serveOnLoopback();
    const oldSerial = new X509Certificate((await testTls()).serving.cert).serialNumber;
    expect(await servedSerial(s)).toBe(oldSerial);
    const fresh = await makeServingCert({
      ca: (await testTls()).ca,
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      validDays: 2,
    });
    const newSerial = new X509Certificate(fresh.cert).serialNumber;

    const load = spawnLoad({
      url: new URL('/mutate', s.webhook).href,
      ca: s.ca,
      template: reviewTemplate(),
      total: 1500,
      concurrency: 4,
      timeoutMs: 5_000,
      maxRunMs: 40_000,
      progressEvery: 25,
      keepAlive: false,
    });
    await load.answered(300);
    const rotatedAt = Date.now();
    replace(s.keyFile, fresh.key);
    replace(s.certFile, fresh.cert);
    let swappedAfterMs = -1;
    while (Date.now() - rotatedAt < 15_000) {
      if ((await servedSerial(s)) === newSerial) {
        swappedAfterMs = Date.now() - rotatedAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const report = await load.report;
    const all = classify(report.results, Number.MAX_SAFE_INTEGER);
    const swapSeen = rotatedAt + swappedAfterMs;
    const serials = report.results.map((r) => r.serial);
    const lastOld = serials.lastIndexOf(oldSerial);
    const firstNew = serials.indexOf(newSerial);
    recordFigures('rotation', {
      requests: all.total,
      ok: all.ok,
      failed: all.failedBefore.length,
      swappedAfterMs,
      withOldCertificate: serials.filter((x) => x === oldSerial).length,
      withNewCertificate: serials.filter((x) => x === newSerial).length,
      replacedLogLine: s.proc.lines.some((l) => l.msg === 'serving certificate replaced'),
    });

    expect(all.failedBefore).toEqual([]);
    expect(all.total).toBe(1500);
    expect(swappedAfterMs).toBeGreaterThanOrEqual(0);
    expect(firstNew).toBeGreaterThan(0);
    // Requests are numbered in start order: once the new certificate is served, the old never returns
    // (a few in flight at the swap may interleave).
    expect(lastOld - firstNew).toBeLessThan(8);
    expect(report.results.filter((r) => r.start > swapSeen).every((r) => r.serial === newSerial)).toBe(true);
    expect(s.proc.lines.some((l) => l.msg === 'serving certificate replaced')).toBe(true);
  }, 120_000);
});
