/**
 * A small seeded PRNG (mulberry32): the simulation's only source of chance, so one seed is one run, replayable
 * bit for bit. Math.random is never consulted.
 */
export class Prng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A new PRNG whose sequence does not depend on how many draws this one makes later. */
  fork(label: number): Prng {
    return new Prng((Math.imul(this.seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(label, 0xc2b2ae35)) >>> 0);
  }
}

/** Time as the simulation says it is; it moves only when the scheduler moves it. */
export class VirtualClock {
  constructor(private current: number) {}

  readonly now = (): number => this.current;

  advance(ms: number): void {
    this.current += ms;
  }
}
