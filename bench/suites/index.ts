/** The registry: every benchmark `npm run bench` knows, in report order. Add new ones here. */
import type { Benchmark } from '../lib/model.js';
import { extenderBenchmark } from './extender.js';
import { memoryBenchmark } from './memory.js';
import { schedulingBenchmark } from './scheduling.js';
import { webhookBenchmark } from './webhook.js';

export const BENCHMARKS: readonly Benchmark[] = [
  webhookBenchmark,
  extenderBenchmark,
  memoryBenchmark,
  schedulingBenchmark,
];
