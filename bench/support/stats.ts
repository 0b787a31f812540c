// Small measurement helpers shared by the benchmarks.
import { performance } from 'node:perf_hooks';

export const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
};

/** Runs `operation` `runs` times after `warmup` runs; returns the sorted latencies in milliseconds. */
export const latencies = async (runs: number, warmup: number, operation: (i: number) => Promise<unknown>): Promise<number[]> => {
  for (let i = 0; i < warmup; i += 1) await operation(i);
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    await operation(i);
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b);
};

export const timed = async <T>(operation: () => Promise<T>): Promise<{ ms: number; value: T }> => {
  const start = performance.now();
  const value = await operation();
  return { ms: performance.now() - start, value };
};

export const formatRate = (count: number, ms: number): string => `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
export const formatMs = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
