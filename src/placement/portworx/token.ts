import { readFile, stat } from 'node:fs/promises';
import { PortworxAuthError } from './errors.js';

/** Where the bearer token comes from; `invalidate` after a rejection forces a fresh look. */
export interface TokenSource {
  get(): Promise<string>;
  invalidate(): void;
}

export interface TokenFileOptions {
  /** At most one stat of the file per this many ms (default 1000): calls are frequent, rotations rare. */
  readonly checkIntervalMs?: number;
  readonly now?: () => number;
}

/**
 * A token read from a file and re-read when the file changes. Portworx security issues tokens into
 * Secrets (the operator's `px-admin-token` / `px-user-token`, key `auth-token`); the chart mounts one
 * as a file, and the kubelet swaps the file's contents when the Secret changes (an atomic symlink
 * swap, which changes the file's inode and mtime). Surrounding whitespace (a trailing newline) is
 * dropped. The token never reaches a log or an error message.
 */
export class TokenFile implements TokenSource {
  private value: string | undefined;
  private signature = '';
  private checkedAt = Number.NEGATIVE_INFINITY;
  private stale = false;
  private readonly checkIntervalMs: number;
  private readonly now: () => number;

  constructor(
    readonly path: string,
    options: TokenFileOptions = {},
  ) {
    this.checkIntervalMs = options.checkIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  async get(): Promise<string> {
    const now = this.now();
    if (this.value !== undefined && !this.stale && now - this.checkedAt < this.checkIntervalMs)
      return this.value;
    this.checkedAt = now;
    try {
      const info = await stat(this.path);
      const signature = `${info.ino}:${info.size}:${info.mtimeMs}`;
      if (this.value === undefined || this.stale || signature !== this.signature) {
        this.value = (await readFile(this.path, 'utf8')).trim();
        this.signature = signature;
      }
    } catch (err) {
      this.value = undefined;
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new PortworxAuthError(
        `cannot read the Portworx token file ${this.path}: ${code}`,
        'token-unreadable',
        {
          cause: err,
        },
      );
    }
    this.stale = false;
    if (this.value === '')
      throw new PortworxAuthError(`the Portworx token file ${this.path} is empty`, 'token-unreadable');
    return this.value;
  }

  invalidate(): void {
    this.stale = true;
  }
}
