// The clock and the random source, injected everywhere so that tests control time and identifiers.
import { randomBytes } from 'node:crypto';

export type Clock = { now(): Date };
export type RandomSource = { bytes(length: number): Buffer };

export const systemClock: Clock = { now: () => new Date() };
export const secureRandom: RandomSource = { bytes: (length) => randomBytes(length) };

export const fixedClock = (at: Date): Clock & { set(next: Date): void; advance(ms: number): void } => {
  let current = at;
  return {
    now: () => current,
    set: (next) => { current = next; },
    advance: (ms) => { current = new Date(current.getTime() + ms); },
  };
};

export const randomId = (random: RandomSource, prefix: string): string => `${prefix}_${random.bytes(10).toString('hex')}`;
