/**
 * The cluster view read from `--state PATH` files (contract §8): the embedded default, no cluster.
 * The files are the truth, so there is nothing live to read: `fetch*` answers from the cache.
 *
 * Files are re-read when they change (directory watches, debounced). A file that no longer parses
 * keeps its last good objects, and the problem is reported; a malformed entry is reported and
 * skipped; neither stops the process. Each load builds a new store and swaps it in whole, so a
 * reader never sees a half-applied change.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { keyOf, MemoryStore, type SlimObject } from '../store.js';
import type { SlimPV, SlimPVC, SlimStorageClass } from '../types.js';
import { StoreReader } from '../store-reader.js';
import type { CacheSizes, ClusterView } from '../view.js';
import { scanRoots, signatureOf } from './files.js';
import { formatOf, parseStateText, type StateProblem } from './parse.js';

export interface StateReload {
  /** State files currently read. */
  readonly files: number;
  /** Files read again (changed, new) or dropped (deleted) by this load. */
  readonly changed: readonly string[];
  /** Every current problem, whether new or not. */
  readonly problems: readonly StateProblem[];
  readonly sizes: CacheSizes;
}

export interface StateFileViewOptions {
  /** Files or folders (read recursively for .yaml, .yml and .json). */
  readonly paths: readonly string[];
  /** Re-read on changes. Default true; the offline commands read once. */
  readonly watch?: boolean;
  /** Quiet time after the last change before re-reading: one save is often several events. */
  readonly debounceMs?: number;
  /** Each problem once, when it first appears. */
  readonly onProblem?: (problem: StateProblem) => void;
  /** After every load, the first included. */
  readonly onReload?: (reload: StateReload) => void;
}

/** A `--state` path that does not exist at start: a configuration error, reported by the CLI. */
export class StatePathError extends Error {
  constructor(readonly paths: readonly string[]) {
    super(`--state path not found: ${paths.join(', ')}`);
    this.name = 'StatePathError';
  }
}

interface FileEntry {
  readonly signature: string;
  readonly objects: readonly SlimObject[];
  readonly problems: readonly StateProblem[];
}

const problemId = (p: StateProblem): string => `${p.file}\0${p.index}\0${p.message}`;

export class StateFileView extends StoreReader implements ClusterView {
  private store = new MemoryStore();
  private entries = new Map<string, FileEntry>();
  private current: readonly StateProblem[] = [];
  private duplicates: readonly StateProblem[] = [];
  private missing: readonly string[] = [];
  private readonly watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private loaded = false;
  private stopped = false;
  private readonly syncWaiters: Array<() => void> = [];
  private readonly watching: boolean;
  private readonly debounceMs: number;

  constructor(private readonly options: StateFileViewOptions) {
    super();
    this.watching = options.watch ?? true;
    this.debounceMs = options.debounceMs ?? 100;
  }

  get synced(): boolean {
    return this.loaded;
  }

  /** Reads every file and starts watching. Rejects with StatePathError when a path does not exist. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.reload();
    if (this.missing.length > 0) {
      const missing = this.missing;
      await this.stop();
      throw new StatePathError(missing);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    await this.chain;
  }

  whenSynced(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Every current problem: unreadable files, syntax errors, malformed entries, duplicates. */
  problems(): readonly StateProblem[] {
    return this.current;
  }

  /** Reads the changed files now (loads run one at a time; this one queues behind any running). */
  reload(): Promise<StateReload> {
    // Never rejects: a debounced reload has no caller to catch it, and an unhandled rejection
    // would end the process.
    const run = this.chain.then(() => this.load()).catch((err: unknown) => this.loadFailed(err));
    this.chain = run;
    return run;
  }

  /** An unexpected failure (a file callback threw, say): reported, the last good state kept. */
  private loadFailed(err: unknown): StateReload {
    const message = `reading the state failed: ${err instanceof Error ? err.message : String(err)}`;
    this.report([...this.current, { file: this.options.paths.join(', '), index: -1, message }]);
    this.markLoaded();
    return { files: this.entries.size, changed: [], problems: this.current, sizes: this.store.sizes() };
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reload();
    }, this.debounceMs);
  }

  private async load(): Promise<StateReload> {
    const scan = await scanRoots(this.options.paths);
    this.missing = scan.missing;
    // Watch before reading, so a change made while we read triggers another load.
    if (this.watching && !this.stopped) this.syncWatchers(scan.dirs);
    const changed: string[] = [];
    const next = new Map<string, FileEntry>();
    for (const file of scan.files) {
      const previous = this.entries.get(file);
      const signature = await signatureOf(file);
      const entry =
        signature === undefined
          ? undefined // deleted since the scan
          : previous?.signature === signature
            ? previous
            : await readEntry(file, signature, previous);
      if (entry !== previous) changed.push(file);
      if (entry) next.set(file, entry);
    }
    for (const file of this.entries.keys())
      if (!next.has(file) && !changed.includes(file)) changed.push(file);
    this.entries = next;
    if (changed.length > 0 || !this.loaded) {
      const duplicates: StateProblem[] = [];
      this.store = buildStore(next, duplicates);
      this.duplicates = duplicates;
    }
    const missing = scan.missing.map((file) => ({ file, index: -1, message: 'path not found' }));
    this.report([
      ...missing,
      ...scan.problems,
      ...[...next.values()].flatMap((e) => e.problems),
      ...this.duplicates,
    ]);
    this.markLoaded();
    const reload: StateReload = {
      files: next.size,
      changed,
      problems: this.current,
      sizes: this.store.sizes(),
    };
    this.options.onReload?.(reload);
    return reload;
  }

  /** Keeps `problems` as the current set and passes the new ones to onProblem. */
  private report(problems: readonly StateProblem[]): void {
    const before = new Set(this.current.map(problemId));
    this.current = problems;
    for (const p of problems) if (!before.has(problemId(p))) this.options.onProblem?.(p);
  }

  private markLoaded(): void {
    if (this.loaded) return;
    this.loaded = true;
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  private syncWatchers(dirs: readonly string[]): void {
    const wanted = new Set(dirs);
    for (const [dir, w] of this.watchers) {
      if (wanted.has(dir)) continue;
      w.close();
      this.watchers.delete(dir);
    }
    for (const dir of wanted) {
      if (this.watchers.has(dir)) continue;
      try {
        // Not persistent: watching files alone should not keep the process alive.
        const w = watch(dir, { persistent: false }, () => this.schedule());
        w.on('error', () => {
          w.close();
          this.watchers.delete(dir);
          this.schedule();
        });
        this.watchers.set(dir, w);
      } catch {
        // The folder vanished between the scan and now: the event that removed it schedules a load.
      }
    }
  }

  async fetchPVC(namespace: string, name: string): Promise<SlimPVC | undefined> {
    return Promise.resolve(this.store.pvc(namespace, name));
  }
  async fetchPV(name: string): Promise<SlimPV | undefined> {
    return Promise.resolve(this.store.pv(name));
  }
  async fetchStorageClass(name: string): Promise<SlimStorageClass | undefined> {
    return Promise.resolve(this.store.storageClass(name));
  }

  protected currentStore(): MemoryStore {
    return this.store;
  }
}

/** Reads and parses one file; a file that no longer parses keeps `previous`'s objects. */
async function readEntry(
  file: string,
  signature: string,
  previous: FileEntry | undefined,
): Promise<FileEntry | undefined> {
  const kept = previous ? `; keeping its last good state (${previous.objects.length} objects)` : '';
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    const message = `cannot read: ${(err as Error).message}${kept}`;
    return { signature, objects: previous?.objects ?? [], problems: [{ file, index: -1, message }] };
  }
  const parsed = parseStateText(text, file, formatOf(file) ?? 'yaml');
  if (!parsed.syntaxError) return { signature, objects: parsed.objects, problems: parsed.problems };
  return {
    signature,
    objects: previous?.objects ?? [],
    problems: parsed.problems.map((p) => ({ ...p, message: `${p.message}${kept}` })),
  };
}

/** One store from every file's objects, files in path order; a later duplicate wins and is reported. */
function buildStore(entries: ReadonlyMap<string, FileEntry>, duplicates: StateProblem[]): MemoryStore {
  const store = new MemoryStore();
  const seen = new Map<string, string>();
  for (const [file, entry] of entries) {
    for (const item of entry.objects) {
      const id = `${item.kind} ${keyOf(item)}`;
      const first = seen.get(id);
      if (first !== undefined) {
        duplicates.push({ file, index: -1, message: `duplicate ${id} (also in ${first}); this one wins` });
      }
      seen.set(id, file);
      store.upsert(item);
    }
  }
  return store;
}
