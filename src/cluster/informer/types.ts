import type { ObjectKind } from '../types.js';

/** The slice of pino's logger the cluster view uses (pino's `logger.child(...)` fits as is). */
export interface ClusterLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Why a watch ended abnormally: see WatchOutcome in ./decisions.ts. */
export type WatchErrorReason = 'expired' | 'error' | 'failed';
export type LiveReadResult = 'found' | 'not-found' | 'error';
export type LiveReadKind = 'PersistentVolumeClaim' | 'PersistentVolume' | 'StorageClass';

/** Optional counters the view reports to (/metrics wires these to prom-client). */
export interface InformerMetrics {
  /** A kind was (re)listed successfully. */
  onRelist?(kind: ObjectKind): void;
  /** A list failed. */
  onListError?(kind: ObjectKind): void;
  onWatchError?(kind: ObjectKind, reason: WatchErrorReason): void;
  /** A cache miss cost a live read; how it went. */
  onLiveRead?(kind: LiveReadKind, result: LiveReadResult): void;
}

/** A logger that drops everything: the default for tests and the offline CLI. */
export const SILENT_LOGGER: ClusterLogger = { info: () => {}, warn: () => {}, error: () => {} };
