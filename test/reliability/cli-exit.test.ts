/**
 * How `kube-converge serve` ends, as a supervisor sees it: a fatal start-up problem is a non-zero
 * exit (Kubernetes counts it as a crash, not a completed container); SIGTERM is 0.
 */
import { freePort } from '../support/http.js';
import { ServeProcess } from './support/cli.js';

async function serveArgs(state: string): Promise<string[]> {
  return [
    '--state',
    state,
    '--bind-address',
    '127.0.0.1',
    '--webhook-port',
    String(await freePort()),
    '--extender-port',
    '0',
    '--metrics-port',
    '0',
    '--shutdown-grace',
    '2000',
  ];
}

describe('serve exit codes', () => {
  it('cluster state that cannot be read: logged as fatal, exit 2 (not 0)', async () => {
    const proc = new ServeProcess(await serveArgs('/nonexistent/kube-converge-state'));
    try {
      const exit = await proc.exited;
      expect(proc.lines.some((l) => l.level === 60 && l.msg === 'cannot read the cluster state')).toBe(true);
      expect(exit.code).toBe(2);
    } finally {
      await proc.kill();
    }
  }, 60_000);

  it('a port already in use: exits non-zero at once, does not linger with its caches running', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    // A cluster that never answers: its informers retry with backoff for ever, holding the event loop.
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kc-exit-')), 'kubeconfig');
    const closed = await freePort();
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'c', cluster: { server: `https://127.0.0.1:${closed}`, 'insecure-skip-tls-verify': true } },
        ],
        users: [{ name: 'u', user: { token: 'x' } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'c',
      }),
    );
    const args = await serveArgs('');
    args.splice(args.indexOf('--state'), 2, '--kubeconfig', kubeconfig);
    args[args.indexOf('--webhook-port') + 1] = String(port);
    const proc = new ServeProcess(args);
    try {
      // Without the exit, the process would sit there not listening and this never resolves.
      const exit = await proc.exited;
      expect(exit.code).toBe(1);
    } finally {
      await proc.kill();
      blocker.close();
    }
  }, 60_000);

  it('SIGTERM once serving: exit 0', async () => {
    const state = `${process.cwd()}/examples/cluster`;
    const proc = new ServeProcess(await serveArgs(state));
    try {
      await proc.waitFor((l) => l.msg === 'state files read', 30_000, 'the cluster state');
      process.kill(proc.pid, 'SIGTERM');
      expect((await proc.exited).code).toBe(0);
    } finally {
      await proc.kill();
    }
  }, 60_000);
});
