export { InformerView, OBJECT_KINDS, type InformerViewOptions } from './view.js';
export { staleKinds, DEFAULT_BACKOFF, type BackoffPolicy, type KindHealth } from './decisions.js';
export {
  SILENT_LOGGER,
  type ClusterLogger,
  type InformerMetrics,
  type LiveReadKind,
  type LiveReadResult,
  type WatchErrorReason,
} from './types.js';
