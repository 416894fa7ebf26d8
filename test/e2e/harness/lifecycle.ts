/**
 * The e2e run's lifecycle: where things are, whether the control-plane binaries are built, how to stop
 * what a run left behind — and jest's globalSetup (the default export). jest loads a globalSetup
 * without its moduleNameMapper, so this file imports node built-ins only; global-teardown.ts reaches
 * back through a global it sets.
 *
 * Every child the harness starts is recorded as a line `<pid> <name>` in `<run dir>/pids`, and the
 * run's owner (the node process running the tests or `make demo`) in `<run dir>/owner`. A child is only
 * ever killed when it is alive AND its command line names its run dir (every child gets a path inside
 * it), so a recycled pid is never touched.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root, from this file's place (test/e2e/harness/). `make demo` compiles it to
 * dist/.demo/test/e2e/harness/ and `npm run bench` to dist/.bench/test/e2e/harness/, two levels
 * further down.
 */
function findRoot(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const compiled = ['.demo', '.bench'].some((dir) => root.endsWith(join('dist', dir)));
  return compiled ? resolve(root, '../..') : root;
}

export const REPO_ROOT = findRoot();
/** Run dirs (logs, pids, certificates, etcd data) of the e2e tests and the demo; git-ignored. */
export const RUNS_ROOT = join(REPO_ROOT, 'test/e2e/.run');
/**
 * kube-converge's compiled entry point; KC_E2E_CLI points the suite at another build (a copy with a
 * behaviour deliberately broken, to see the scenarios fail).
 */
export const CLI_ENTRY = process.env.KC_E2E_CLI
  ? resolve(process.env.KC_E2E_CLI)
  : join(REPO_ROOT, 'dist/cli/bin.js');

export const CONTROL_PLANE_BINARIES: readonly string[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
];

export class MissingBinariesError extends Error {
  constructor(dir: string, missing: readonly string[]) {
    super(
      `control-plane binaries missing in ${dir}${missing.length ? ` (${missing.join(', ')})` : ''}: run ` +
        '`make control-plane` (builds kube-apiserver, kube-controller-manager, kube-scheduler, etcd, helm ' +
        'from the Go module proxy; ~15 min cold)',
    );
    this.name = 'MissingBinariesError';
  }
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The bin dir scripts/control-plane/path.sh names for the pinned versions (it never builds), checked:
 * every binary the harness runs is there and executable, else MissingBinariesError — a failure, never
 * a skip.
 */
export function controlPlaneBinDir(): string {
  const out = execFileSync('bash', [join(REPO_ROOT, 'scripts/control-plane/path.sh')], { encoding: 'utf8' });
  const dir = out.trim().split('\n').pop() ?? '';
  if (!dir) throw new MissingBinariesError('(scripts/control-plane/path.sh printed nothing)', []);
  const missing = CONTROL_PLANE_BINARIES.filter((b) => !executable(join(dir, b)));
  if (missing.length > 0) throw new MissingBinariesError(dir, missing);
  return dir;
}

/** Signals a whole process group; false when it is already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The command line of a live pid, '' if unknown. */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * SIGKILLs the process groups recorded in `runDir/pids` that are still ours. Synchronous: safe in an
 * 'exit' handler. Returns what it killed.
 */
export function killRecorded(runDir: string): string[] {
  const file = join(runDir, 'pids');
  if (!existsSync(file)) return [];
  const killed: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [pidText, name] = line.split(' ');
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 1) continue;
    if (!alive(pid) || !commandLine(pid).includes(runDir)) continue;
    signalGroup(pid, 'SIGCONT'); // a stopped process cannot die of SIGTERM; SIGKILL works, but be tidy
    if (signalGroup(pid, 'SIGKILL')) killed.push(`${name ?? '?'} (${pid})`);
  }
  return killed;
}

function ownersOf(runDir: string): number[] {
  try {
    return readFileSync(join(runDir, 'owner'), 'utf8')
      .split('\n')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 1);
  } catch {
    return [];
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Kills what run dirs left behind: those owned by `ownerPid` (our own runs, at teardown or exit) and
 * those whose owner is dead (a run that was SIGKILLed). Runs of live owners (another session on this
 * machine) are left alone.
 */
export function sweepRuns(ownerPid?: number): string[] {
  if (!existsSync(RUNS_ROOT)) return [];
  const killed: string[] = [];
  for (const entry of readdirSync(RUNS_ROOT)) {
    const dir = join(RUNS_ROOT, entry);
    if (!isDir(dir)) continue;
    const owners = ownersOf(dir);
    const ours = ownerPid !== undefined && owners.includes(ownerPid);
    const orphaned = owners.length > 0 && owners.every((pid) => !alive(pid));
    if (ours || orphaned) killed.push(...killRecorded(dir).map((k) => `${entry}: ${k}`));
  }
  return killed;
}

/**
 * Keeps the newest `keep` run dirs (their logs), removes the rest — never one whose owner is alive.
 */
export function pruneRuns(keep: number): void {
  if (!existsSync(RUNS_ROOT)) return;
  const dirs = readdirSync(RUNS_ROOT)
    .map((e) => join(RUNS_ROOT, e))
    .filter(isDir)
    .map((d) => ({ d, t: statSync(d).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { d } of dirs.slice(keep)) {
    if (ownersOf(d).some(alive)) continue;
    rmSync(d, { recursive: true, force: true });
  }
}

/**
 * Whatever way this process ends (exit, SIGINT, SIGTERM, SIGHUP), the processes of the runs it owns
 * end with it. Children are in their own process groups (so that one signal stops each), which also
 * means a terminal's Ctrl-C does not reach them: this is what does.
 */
export function installSafetyNet(): void {
  const sweep = (): void => {
    const killed = sweepRuns(process.pid);
    if (killed.length > 0) process.stderr.write(`e2e: killed leftover processes: ${killed.join(', ')}\n`);
  };
  process.once('exit', sweep);
  const exits = [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const;
  for (const [signal, code] of exits) {
    process.once(signal, () => {
      sweep();
      process.exit(code);
    });
  }
}

/** What global-teardown.ts calls (jest runs both in its own process, sharing globalThis). */
export const TEARDOWN_HOOK = '__kubeConvergeE2eTeardown';

/**
 * jest globalSetup, once per e2e run: fail (never skip) without the control-plane binaries, stop what
 * a killed earlier run left behind, make sure the processes of this run end with this process whatever
 * happens, and build dist/ (the tests run `node dist/cli/bin.js serve`). KC_E2E_SKIP_BUILD=1 skips the
 * build (dist/ must then be current).
 */
export default function globalSetup(): void {
  controlPlaneBinDir(); // throws MissingBinariesError, with the instructions
  const leftovers = sweepRuns();
  if (leftovers.length > 0)
    process.stderr.write(`\ne2e: stopped processes of dead runs: ${leftovers.join(', ')}\n`);
  pruneRuns(30);
  installSafetyNet();
  (globalThis as Record<string, unknown>)[TEARDOWN_HOOK] = (): void => {
    const killed = sweepRuns(process.pid);
    if (killed.length > 0)
      process.stderr.write(`e2e teardown: killed leftover processes: ${killed.join(', ')}\n`);
  };
  if (process.env.KC_E2E_SKIP_BUILD === '1') {
    if (!existsSync(CLI_ENTRY))
      throw new Error(`KC_E2E_SKIP_BUILD=1 but ${CLI_ENTRY} does not exist: npm run build`);
    return;
  }
  const started = Date.now();
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  process.stderr.write(`\ne2e: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
