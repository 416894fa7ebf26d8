/**
 * Which files the `--state` paths name, and which directories to watch for changes.
 *
 * Directories, not files, are watched: editors and `kubectl cp` save by writing a new file and
 * renaming it over the old one, and Kubernetes updates a mounted ConfigMap by swapping a `..data`
 * symlink; a watch on the old file's inode would see neither. Entries starting with '.' are skipped
 * while walking a folder: editor swap files, and the ConfigMap's `..data`/`..2024_…` internals (the
 * visible names are symlinks into them, so they would otherwise be read twice).
 */
import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatOf, type StateProblem } from './parse.js';

export interface StateScan {
  /** State files, sorted, each once. */
  readonly files: readonly string[];
  /** Directories whose changes may change the state. */
  readonly dirs: readonly string[];
  readonly problems: readonly StateProblem[];
  /** Roots that do not exist. */
  readonly missing: readonly string[];
}

/** A file's identity for "has it changed since the last read": inode, size, modification time. */
export async function signatureOf(file: string): Promise<string | undefined> {
  try {
    const s = await stat(file);
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as { code?: string }).code : undefined;
}

export async function scanRoots(roots: readonly string[]): Promise<StateScan> {
  const files = new Set<string>();
  const dirs = new Set<string>();
  const problems: StateProblem[] = [];
  const missing: string[] = [];
  const seenDirs = new Set<string>();

  const walk = async (dir: string): Promise<void> => {
    let identity: string;
    let entries: string[];
    try {
      const s = await stat(dir);
      identity = `${s.dev}:${s.ino}`; // symlinked folders may loop
      if (seenDirs.has(identity)) return;
      seenDirs.add(identity);
      entries = (await readdir(dir)).sort();
    } catch (err) {
      if (errorCode(err) !== 'ENOENT')
        problems.push({ file: dir, index: -1, message: `cannot read folder: ${String(err)}` });
      return;
    }
    dirs.add(dir);
    for (const name of entries) {
      if (name.startsWith('.')) continue;
      const full = path.join(dir, name);
      const s = await stat(full).catch(() => undefined); // follows symlinks; a dangling one is skipped
      if (s?.isDirectory()) await walk(full);
      else if (s?.isFile() && formatOf(name)) files.add(full);
    }
  };

  for (const root of roots) {
    const abs = path.resolve(root);
    let st: Stats;
    try {
      st = await stat(abs);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') missing.push(root);
      else problems.push({ file: root, index: -1, message: `cannot read: ${String(err)}` });
      // Its folder is still watched, so the path appearing later is noticed.
      dirs.add(path.dirname(abs));
      continue;
    }
    if (st.isDirectory()) {
      await walk(abs);
    } else {
      // A file named explicitly is read whatever its extension: the user asked for it.
      files.add(abs);
      dirs.add(path.dirname(abs));
    }
  }
  return { files: [...files].sort(), dirs: [...dirs].sort(), problems, missing };
}
