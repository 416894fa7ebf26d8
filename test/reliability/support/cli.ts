import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, testTls } from '../../support/http.js';

const ROOT = process.cwd();
const CACHE = join(ROOT, '.cache', 'reliability');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
    });
}

/**
 * The CLI compiled from the current sources, as `npm run build` would, but into a private folder named
 * by a hash of the sources: tests never run a stale dist/, and never race another build writing dist/.
 * Compiles once per source change (about 20 s); concurrent callers each build and the first rename wins.
 */
export function builtCli(): string {
  const hash = createHash('sha256');
  for (const file of [
    ...sourceFiles(join(ROOT, 'src')),
    join(ROOT, 'tsconfig.json'),
    join(ROOT, 'tsconfig.build.json'),
  ])
    hash.update(file).update(readFileSync(file));
  const out = join(CACHE, `build-${hash.digest('hex').slice(0, 16)}`);
  const bin = join(out, 'cli', 'bin.js');
  if (existsSync(bin)) return bin;
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const tsc = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      tmp,
      '--sourceMap',
      'false',
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 180_000 },
  );
  // tsc emits despite type errors (exit 2): `npm run typecheck` reports those; only no output is fatal.
  if (!existsSync(join(tmp, 'cli', 'bin.js')))
    throw new Error(`cannot build the CLI (tsc exited ${tsc.status}):\n${tsc.stdout}${tsc.stderr}`);
  try {
    renameSync(tmp, out);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
  }
  // Builds of older sources, unless one may still be in use by a run that started within the hour.
  for (const name of readdirSync(CACHE))
    if (
      name.startsWith('build-') &&
      join(CACHE, name) !== out &&
      Date.now() - statSync(join(CACHE, name)).mtimeMs > 3_600_000
    )
      rmSync(join(CACHE, name), { recursive: true, force: true });
  return bin;
}

export interface LogLine {
  level: number;
  msg?: string;
  [k: string]: unknown;
}

/** `kube-converge serve` in its own process, its stderr (pino JSON) kept line by line. */
export class ServeProcess {
  readonly child: ChildProcess;
  readonly raw: string[] = [];
  readonly lines: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: string | null; at: number }>;
  private waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  constructor(args: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [builtCli(), 'serve', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffered = '';
    const onText = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const text of parts) this.take(text);
    };
    this.child.stderr?.on('data', onText);
    this.child.stdout?.on('data', onText);
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        if (buffered) this.take(buffered);
        resolve({ code, signal, at: Date.now() });
      }),
    );
  }

  private take(text: string): void {
    this.raw.push(text);
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => (w.test(line) ? (w.resolve(line), false) : true));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** The first log line (past or future) passing `test`; rejects after `ms` or when the process exits. */
  waitFor(test: (l: LogLine) => boolean, ms: number, what: string): Promise<LogLine> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}; log:\n${this.raw.join('\n')}`)),
        ms,
      );
      void this.exited.then(() =>
        reject(new Error(`serve exited before ${what}; log:\n${this.raw.join('\n')}`)),
      );
      this.waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  /** Peak and current resident memory of the process (Linux /proc), in bytes. */
  memory(): { rss: number; peak: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (key: string): number =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  }

  /** Ends the process if it is still running (test cleanup). */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

export interface Served {
  readonly proc: ServeProcess;
  readonly ca: string;
  readonly dir: string;
  readonly webhook: URL;
  readonly extender: URL;
  readonly metrics: URL;
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * `kube-converge serve --state examples/cluster` on free loopback ports with a test certificate in
 * files, serving and with the cluster state read. `args` add to or override the flags.
 */
export async function serveOnLoopback(
  args: readonly string[] = [],
  opts: { env?: Record<string, string>; extenderTls?: boolean } = {},
): Promise<Served> {
  const tls = await testTls();
  const dir = mkdtempSync(join(tmpdir(), 'kc-serve-'));
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  writeFileSync(certFile, tls.serving.cert);
  writeFileSync(keyFile, tls.serving.key, { mode: 0o600 });
  const [webhook, extender, metrics] = [await freePort(), await freePort(), await freePort()];
  const proc = new ServeProcess(
    [
      '--state',
      join(ROOT, 'examples', 'cluster'),
      '--bind-address',
      '127.0.0.1',
      '--webhook-port',
      String(webhook),
      '--extender-port',
      String(extender),
      '--metrics-port',
      String(metrics),
      '--tls-cert-file',
      certFile,
      '--tls-key-file',
      keyFile,
      ...args,
    ],
    opts.env,
  );
  await proc.waitFor((l) => l.msg === 'serving', 30_000, 'the "serving" log line');
  // Serving starts before the cluster state is read; ready means the cache has it.
  await proc.waitFor((l) => l.msg === 'state files read', 30_000, 'the cluster state');
  return {
    proc,
    ca: tls.ca.cert,
    dir,
    certFile,
    keyFile,
    webhook: new URL(`https://127.0.0.1:${webhook}`),
    extender: new URL(`${opts.extenderTls ? 'https' : 'http'}://127.0.0.1:${extender}`),
    metrics: new URL(`http://127.0.0.1:${metrics}`),
  };
}
