import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import type { Server } from 'node:https';
import type { TlsLogger } from '../../../src/tls/material.js';

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string | undefined;
}

/** A logger that keeps what it is told, for assertions. */
export function recordingLogger(): TlsLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (obj: object, msg?: string): void => {
      entries.push({ level, obj, msg });
    };
  return { entries, info: at('info'), warn: at('warn'), error: at('error') };
}

export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface Handshake {
  peer: PeerCertificate;
  protocol: string | null;
  cipher: string;
}

/** Opens a fresh TLS connection (no session reuse), returns what the server presented, and hangs up. */
export function handshake(port: number, options: ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 5000, ...options }, () => {
      const result = {
        peer: socket.getPeerCertificate(),
        protocol: socket.getProtocol(),
        cipher: socket.getCipher().name,
      };
      socket.end();
      resolve(result);
    });
    socket.on('error', reject);
    socket.on('timeout', () => socket.destroy(new Error('handshake timed out')));
  });
}

/**
 * Lays out `dir` the way kubelet mounts a Secret: tls.crt -> ..data/tls.crt, ..data -> ..<version>.
 * Called again, it publishes the new version by an atomic rename of the ..data symlink, as kubelet's
 * AtomicWriter does.
 */
export async function publishSecret(
  dir: string,
  version: string,
  files: Record<string, string>,
): Promise<void> {
  const versionDir = join(dir, `..${version}`);
  await mkdir(versionDir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(versionDir, name), content);
  await symlink(`..${version}`, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const name of Object.keys(files)) {
    await symlink(join('..data', name), join(dir, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
}

/** Resolves with the first value `subscribe` hands over, or rejects after `ms`. */
export function nextValue<T>(
  subscribe: (deliver: (value: T) => void) => void,
  ms: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    subscribe((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
