/**
 * Child processes of a benchmark run: servers under test, baseline servers and load generators each
 * run in their own process, so a load generator's CPU never competes in-process with the server it
 * measures. Every child is tracked and killed when the run ends, however it ends.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import type { LoadJob, LoadResult } from '../load/jobs.js';
import type { BenchContext } from './model.js';

const children = new Set<ChildProcess>();

/** Kills every child still running (run end, failure, Ctrl-C). */
export function killAll(): void {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The environment of a child: ours minus kube-converge settings, which would change its config. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KUBE_CONVERGE_')) env[k] = v;
  return env;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * CPU time (user + system) a process has used so far, in seconds (Linux /proc; NaN elsewhere). On a
 * shared machine CPU per request moves far less than requests per second: it does not count the
 * time the process spent waiting for a core.
 */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 14th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return Number.NaN;
  }
}

export interface RunningServer {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** The last lines of its log, for error messages. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/** Starts `node <script> <args>` with stdout and stderr in a log file (logging costs stay real). */
export function startNode(
  ctx: BenchContext,
  name: string,
  script: string,
  args: readonly string[],
): RunningServer {
  const logFile = path.join(ctx.tmp, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = track(
    spawn(process.execPath, [script, ...args], { stdio: ['ignore', fd, fd], env: childEnv() }),
  );
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    pid: child.pid ?? -1,
    logFile,
    logTail(lines = 15): string {
      try {
        return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    async stop(): Promise<void> {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function get(url: string, ca: string): Promise<number> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', ca, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Waits until `url` answers 200 (for `serve`, /readyz: the cache synced and a certificate is loaded). */
export async function waitReady(
  server: RunningServer,
  url: string,
  ca: string,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if ((await get(url, ca)) === 200) return Date.now() - started;
    if (Date.now() - started > timeoutMs)
      throw new Error(`${server.name} not ready after ${timeoutMs} ms; log:\n${server.logTail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Runs one load job in a fresh load-generator process and returns its result. Bounded: the job's
 * own duration plus `graceMs`, after which the generator is killed and the job fails.
 */
export function runLoadJob<J extends LoadJob>(
  ctx: BenchContext,
  job: J,
  limitMs: number,
): Promise<LoadResult<J>> {
  const script = path.join(ctx.buildDir, 'bench', 'load', 'worker.js');
  const child = track(fork(script, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: childEnv() }));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, value?: LoadResult<J>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (err) reject(err);
      else resolve(value as LoadResult<J>);
    };
    const timer = setTimeout(
      () => finish(new Error(`load job ${job.kind} exceeded ${limitMs} ms; stderr: ${stderr}`)),
      limitMs,
    );
    child.on('message', (message: { ok: boolean; result?: LoadResult<J>; error?: string }) => {
      if (message.ok) finish(undefined, message.result);
      else finish(new Error(`load job ${job.kind} failed: ${message.error ?? '?'}; stderr: ${stderr}`));
    });
    child.on('exit', (code, signal) =>
      finish(new Error(`load generator exited (${code ?? signal}) before answering; stderr: ${stderr}`)),
    );
    child.send(job);
  });
}
