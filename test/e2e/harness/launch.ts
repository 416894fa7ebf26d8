import { readFileSync, statSync } from 'node:fs';
import type { ManagedProcess, ProcessRegistry } from './processes.js';
import { freePort, until } from './util.js';

/** The last `lines` lines of a log file ('' when it does not exist). */
export function logTail(file: string, lines = 40, fromByte = 0): string {
  try {
    const text = readFileSync(file, 'utf8').slice(fromByte);
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function logSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export class StartError extends Error {
  constructor(name: string, problem: string, tail: string) {
    super(`${name} did not start: ${problem}\n--- last lines of its log ---\n${tail}`);
    this.name = 'StartError';
  }
}

const ADDRESS_IN_USE = /address already in use|EADDRINUSE/i;

export interface LaunchSpec<P extends readonly string[]> {
  readonly name: string;
  readonly command: string;
  /** Names of the ports to pick; the same record comes back to `args` and `ready`. */
  readonly ports: P;
  /** Fixed ports (a restart keeps its port): no new port is picked and a clash is not retried. */
  readonly fixedPorts?: Readonly<Record<P[number], number>>;
  readonly args: (ports: Readonly<Record<P[number], number>>) => string[];
  readonly ready: (ports: Readonly<Record<P[number], number>>) => Promise<boolean>;
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Launched<P extends readonly string[]> {
  readonly process: ManagedProcess;
  readonly ports: Readonly<Record<P[number], number>>;
}

/**
 * Starts a process on free ports and waits until `ready`. A child that dies because a port was taken
 * in the meantime (the free-port race) is started again on new ports, up to 3 times; any other early
 * death, or no readiness in time, is a StartError carrying the end of its log.
 */
export async function launch<P extends readonly string[]>(
  registry: ProcessRegistry,
  spec: LaunchSpec<P>,
): Promise<Launched<P>> {
  for (let attempt = 1; ; attempt++) {
    const ports = {} as Record<P[number], number>;
    for (const name of spec.ports as readonly P[number][]) {
      ports[name] = spec.fixedPorts?.[name] ?? (await freePort());
    }
    const logFile = `${registry.runDir}/logs/${spec.name}.log`;
    const from = logSize(logFile);
    const proc = registry.spawn(spec.name, spec.command, spec.args(ports), { env: spec.env });
    try {
      let checked = 0;
      await until(`${spec.name} is ready`, () => spec.ready(ports), {
        timeoutMs: spec.timeoutMs ?? 60_000,
        intervalMs: 100,
        abort: () => {
          if (!proc.running()) return 'it exited';
          // A process may live on after failing to bind (other work keeps its event loop busy): give up
          // on it at once rather than at the timeout. Once a second is plenty.
          if (Date.now() - checked < 1_000) return undefined;
          checked = Date.now();
          return ADDRESS_IN_USE.test(logTail(logFile, 30, from)) ? 'a port was taken' : undefined;
        },
      });
      return { process: proc, ports };
    } catch (err) {
      await proc.stop(2_000);
      const tail = logTail(logFile, 30, from);
      if (ADDRESS_IN_USE.test(tail) && !spec.fixedPorts && attempt < 3) continue;
      throw new StartError(spec.name, (err as Error).message, tail);
    }
  }
}
