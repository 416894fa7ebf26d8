import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';

/** File mode for private keys: owner read/write only. */
export const KEY_FILE_MODE = 0o600;
/** File mode for certificates: public material. */
export const CERT_FILE_MODE = 0o644;

/**
 * Writes `content` to `path` through a temporary sibling and a rename, creating the directory. A reader
 * (the reloader, a script putting the CA into a caBundle) never sees half a PEM, and the mode is the
 * one asked for even when the file existed with another (writeFile's `mode` only applies on create).
 */
export async function writeFileAtomic(path: string, content: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, content, { mode, flag: 'wx' });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
