import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SecureContext } from 'node:tls';
import { makeCA, makeServingCert } from './certs.js';
import { CERT_FILE_MODE, writeFileAtomic } from './files.js';
import type { CertificateInfo } from './info.js';
import {
  checkMaterial,
  describe,
  TlsMaterialError,
  type CheckedMaterial,
  type TlsLogger,
  type TlsMaterial,
} from './material.js';
import { ServedPair } from './served.js';
import { CertificateInputError, checkSubjectNames, checkValidDays } from './names.js';

export type TlsChangeListener = (material: TlsMaterial, info: CertificateInfo) => void;

/** Where serving certificates come from. Servers read it; it tells them when it changes. */
export interface TlsSource {
  /** True once a pair is being served: half of `/readyz`. */
  readonly loaded: boolean;
  current(): TlsMaterial | undefined;
  /** A context built with SERVING_TLS_OPTIONS for the current pair (for an SNICallback). */
  secureContext(): SecureContext | undefined;
  info(): CertificateInfo | undefined;
  /** Called after each successful swap to a different pair. Returns the unsubscribe function. */
  onChange(listener: TlsChangeListener): () => void;
  /** Stops watching and polling. */
  close(): void;
}

export interface FileTlsSourceOptions {
  readonly certFile: string;
  readonly keyFile: string;
  readonly logger: TlsLogger;
  /** Told about every pair that was not loaded (the old one stays). */
  readonly onError?: (error: TlsMaterialError) => void;
  /** Fallback poll; 0 turns it off. Default 10 s. */
  readonly pollIntervalMs?: number;
  /** Quiet time after a file event before reading. Default 250 ms. */
  readonly debounceMs?: number;
  /** Watch the directories (default true). Off leaves only the poll. */
  readonly watch?: boolean;
}

// Kubelet refreshes a Secret volume every sync period (about a minute); 10 s of polling two small files
// is cheap and bounds the delay when fs.watch misses an event (NFS, some overlay file systems).
const DEFAULT_POLL_MS = 10_000;
// A Secret update is several renames in a row; an editor or `cp` writes the two files one after the
// other. Waiting briefly lets us read the finished pair instead of half of it.
const DEFAULT_DEBOUNCE_MS = 250;

/** Serves a certificate/key pair from files and follows them as they change. */
class FileTlsSource extends ServedPair implements TlsSource {
  private readonly watchers: FSWatcher[] = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private rerun = false;
  private closed = false;
  // The last pair that failed, so a poll does not report the same broken files every 10 s.
  private lastFailure: string | undefined;

  constructor(private readonly options: FileTlsSourceOptions) {
    super();
  }

  /** Loads once, then watches. Resolves whether or not the first load worked (see `loaded`). */
  async start(): Promise<void> {
    await this.reload();
    if (this.options.watch !== false) this.watchDirectories();
    const pollMs = this.options.pollIntervalMs ?? DEFAULT_POLL_MS;
    if (pollMs > 0) {
      this.pollTimer = setInterval(() => void this.reload(), pollMs);
      this.pollTimer.unref();
    }
  }

  close(): void {
    this.closed = true;
    for (const watcher of this.watchers) watcher.close();
    this.watchers.length = 0;
    clearInterval(this.pollTimer);
    clearTimeout(this.debounceTimer);
  }

  /**
   * Watches the directories, not the files: a Kubernetes Secret volume swaps content by renaming a
   * `..data` symlink, which an inotify watch on `tls.crt` itself (a symlink to the old target) never
   * sees. Any event in the directory just schedules a read; unchanged content is a no-op.
   */
  private watchDirectories(): void {
    const dirs = new Set([dirname(this.options.certFile), dirname(this.options.keyFile)]);
    for (const dir of dirs) {
      try {
        const watcher = watch(dir, { persistent: false }, () => this.schedule());
        watcher.on('error', (err) => {
          this.options.logger.warn({ err, dir }, 'TLS directory watch failed; relying on polling');
          watcher.close();
        });
        this.watchers.push(watcher);
      } catch (err) {
        this.options.logger.warn({ err, dir }, 'cannot watch TLS directory; relying on polling');
      }
    }
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => void this.reload(), this.options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
    this.debounceTimer.unref();
  }

  /** One read at a time; a request during a read runs once more afterwards. */
  reload(): Promise<void> {
    if (this.inFlight) {
      this.rerun = true;
      return this.inFlight;
    }
    this.inFlight = this.readAndSwap()
      // Only a throwing logger or onError gets here; the old pair is still served.
      .catch((err: unknown) => this.options.logger.error({ err }, 'TLS reload failed'))
      .finally(() => {
        this.inFlight = undefined;
        if (this.rerun && !this.closed) {
          this.rerun = false;
          void this.reload();
        }
      });
    return this.inFlight;
  }

  private async readAndSwap(): Promise<void> {
    let material: TlsMaterial;
    try {
      const [cert, key] = await Promise.all([
        readFile(this.options.certFile, 'utf8'),
        readFile(this.options.keyFile, 'utf8'),
      ]);
      material = { cert, key };
    } catch (cause) {
      this.fail(new TlsMaterialError(`cannot read TLS files: ${String(cause)}`, { cause }), String(cause));
      return;
    }
    const old = this.checked?.material;
    if (old && old.cert === material.cert && old.key === material.key) {
      // Back to the pair being served: a later return of a broken pair is news again.
      this.lastFailure = undefined;
      return;
    }
    try {
      this.swap(checkMaterial(material));
    } catch (err) {
      const error = err instanceof TlsMaterialError ? err : new TlsMaterialError(String(err), { cause: err });
      this.fail(error, material.cert + material.key);
    }
  }

  private swap(checked: CheckedMaterial): void {
    if (this.closed) return;
    this.lastFailure = undefined;
    const fields = { ...describe(checked.info), certFile: this.options.certFile };
    this.install(checked, this.options.logger, fields, Date.now());
  }

  private fail(error: TlsMaterialError, signature: string): void {
    if (this.closed || signature === this.lastFailure) return;
    this.lastFailure = signature;
    const { certFile, keyFile } = this.options;
    const keeping = this.checked ? 'keeping the previous certificate' : 'no certificate to serve yet';
    this.options.logger.error({ err: error, certFile, keyFile }, `TLS files not loaded; ${keeping}`);
    this.options.onError?.(error);
  }
}

/**
 * Serves `certFile`/`keyFile` and reloads them when they change (directory watch plus a poll). A pair
 * that does not parse or whose key does not match is reported through `onError` and the logger, and
 * the previous pair keeps being served. Resolves after the first read; `loaded` says if it worked —
 * the caller decides whether to start unready (and pick the files up later) or to exit.
 */
export async function openFileTlsSource(options: FileTlsSourceOptions): Promise<TlsSource> {
  const source = new FileTlsSource(options);
  await source.start();
  return source;
}

export interface SelfSignedTlsSourceOptions {
  /** Extra DNS names (beyond `localhost`), e.g. the webhook Service's `name.namespace.svc`. */
  readonly dnsNames?: readonly string[];
  /** Extra IP addresses (beyond 127.0.0.1 and ::1). */
  readonly ipAddresses?: readonly string[];
  /** Lifetime of the CA and serving certificate. Default 365 days. */
  readonly validDays?: number;
  /** Where to write the CA certificate (PEM) for a caBundle or a client's trust store. */
  readonly caOut?: string;
  readonly logger: TlsLogger;
}

/** A pair made once and never changed. */
class StaticTlsSource implements TlsSource {
  readonly loaded = true;
  constructor(private readonly checked: CheckedMaterial) {}
  current(): TlsMaterial {
    return this.checked.material;
  }
  secureContext(): SecureContext {
    return this.checked.context;
  }
  info(): CertificateInfo {
    return this.checked.info;
  }
  onChange(_listener: TlsChangeListener): () => void {
    return () => undefined;
  }
  close(): void {}
}

/**
 * Makes a CA and a serving pair for localhost, 127.0.0.1, ::1 and the given names, and writes the CA
 * certificate to `caOut` when given. The CA key stays in memory and is dropped: nobody can sign
 * another certificate with it. Throws CertificateInputError for a bad name or address.
 */
export async function openSelfSignedTlsSource(options: SelfSignedTlsSourceOptions): Promise<TlsSource> {
  const validDays = options.validDays ?? 365;
  // Checked before the CA is made: a typo should fail at once, not after a second of key generation.
  const { dnsNames, ipAddresses } = checkSubjectNames(
    ['localhost', ...(options.dnsNames ?? [])],
    ['127.0.0.1', '::1', ...(options.ipAddresses ?? [])],
  );
  checkValidDays(validDays);
  const ca = await makeCA({ commonName: 'kube-converge self-signed CA', validDays });
  const serving = await makeServingCert({ ca, dnsNames, ipAddresses, validDays });
  const checked = checkMaterial({ cert: serving.cert, key: serving.key, ca: ca.cert });
  if (options.caOut !== undefined) await writeFileAtomic(options.caOut, ca.cert, CERT_FILE_MODE);
  options.logger.info(
    { ...describe(checked.info), caOut: options.caOut },
    'serving a self-signed certificate made at start',
  );
  return new StaticTlsSource(checked);
}

export interface TlsSourceOptions extends Omit<FileTlsSourceOptions, 'certFile' | 'keyFile'> {
  /** `--tls-cert-file`; with `keyFile`, serve from files. */
  readonly certFile?: string;
  /** `--tls-key-file`. */
  readonly keyFile?: string;
  /** Used when no files are given. */
  readonly selfSigned?: Omit<SelfSignedTlsSourceOptions, 'logger'>;
}

/**
 * Files when both are given, a self-signed pair when neither is. Throws CertificateInputError when
 * only one of the two files is given.
 */
export async function openTlsSource(options: TlsSourceOptions): Promise<TlsSource> {
  const { certFile, keyFile } = options;
  if (certFile !== undefined && keyFile !== undefined) {
    return openFileTlsSource({ ...options, certFile, keyFile });
  }
  if (certFile !== undefined || keyFile !== undefined) {
    throw new CertificateInputError('--tls-cert-file and --tls-key-file must be given together');
  }
  return openSelfSignedTlsSource({ ...options.selfSigned, logger: options.logger });
}
