export * from './types.js';
export { FILTER_REASON, filter, filterStorage } from './filter.js';
export { prioritize, prioritizeStorage } from './prioritize.js';
export { scorePod } from './score-pod.js';
export { MAX_EXTENDER_SCORE, toExtenderScore } from './scale.js';
export { BEST_PER_VOLUME, DEFAULT_SCORE, POINTS, REMOTE_BONUS, localityKeys } from './locality.js';
export { describePodStorage, type LocatedVolume, type PodStorage } from './volumes.js';
