/**
 * List-then-watch of scheduled Pods, feeding slim pods to a sink (the convergence tracker): the
 * cluster cache's reflector (../cluster/informer/reflector.ts) with the pod transform and key, so
 * both follow the same decisions (relist on 410, backoff with jitter, the watchdog on a silent watch).
 */
import { Reflector, type ReflectorOptions, type ReflectorSink } from '../cluster/informer/reflector.js';
import { rawPodKey, slimPod, type SlimPod } from './pod.js';

export type PodSink = ReflectorSink<SlimPod>;
export type PodReflectorOptions = Omit<ReflectorOptions<SlimPod>, 'name' | 'transform' | 'keyOf'>;

export function podReflector(options: PodReflectorOptions): Reflector<SlimPod> {
  return new Reflector({ ...options, name: 'Pod', transform: slimPod, keyOf: rawPodKey });
}
