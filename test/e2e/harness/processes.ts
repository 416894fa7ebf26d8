/**
 * Child processes of the end-to-end harness: each in its own process group (`detached`), its output
 * in a log file under the run dir, its pid recorded in `<run dir>/pids` so that whoever outlives us
 * (the jest global teardown, an exit hook, the next run's sweep: lifecycle.mjs) can still stop it.
 * Nothing here uses jest: `make demo` runs the same code under plain node.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { signalGroup } from './lifecycle.js';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Settles when the process has exited (never rejects). */
  readonly exited: Promise<Exit>;
  running(): boolean;
  /** SIGTERM to the group, SIGKILL after `graceMs` (default 5 s); resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGSTOP / SIGCONT to the group: the process keeps its sockets but answers nothing. */
  pause(): void;
  resume(): void;
}

export interface SpawnOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Spawns and tracks the children of one run dir. */
export class ProcessRegistry {
  private readonly children = new Set<ManagedProcess>();

  constructor(readonly runDir: string) {
    // Who owns this run: a sweep leaves the run dirs of live owners alone.
    appendFileSync(join(runDir, 'owner'), `${process.pid}\n`);
  }

  spawn(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): ManagedProcess {
    const logFile = join(this.runDir, 'logs', `${name}.log`);
    appendFileSync(logFile, `\n==== ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
    const fd = openSync(logFile, 'a');
    const child = spawn(command, args, {
      detached: true, // its own process group: we stop it and anything it forks in one signal
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
    });
    closeSync(fd);
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${name} (${command})`);
    // Record before anything can go wrong, so a sweep finds it.
    appendFileSync(join(this.runDir, 'pids'), `${pid} ${name}\n`);
    let done = false;
    const exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        done = true;
        this.children.delete(managed);
        resolve({ code, signal });
      });
      child.once('error', () => {
        done = true;
        this.children.delete(managed);
        resolve({ code: null, signal: null });
      });
    });
    // The harness never waits on its children to let the event loop end: they are stopped explicitly.
    child.unref();
    const managed: ManagedProcess = {
      name,
      pid,
      logFile,
      exited,
      running: () => !done,
      stop: async (graceMs = 5_000) => {
        if (done) return;
        signalGroup(pid, 'SIGCONT'); // a paused process cannot handle SIGTERM
        signalGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
        // Anything the process forked into its group goes with it.
        signalGroup(pid, 'SIGKILL');
      },
      pause: () => void signalGroup(pid, 'SIGSTOP'),
      resume: () => void signalGroup(pid, 'SIGCONT'),
    };
    this.children.add(managed);
    return managed;
  }

  /** Stops every running child, in parallel. */
  async stopAll(graceMs = 5_000): Promise<void> {
    await Promise.all([...this.children].map((c) => c.stop(graceMs)));
  }
}
