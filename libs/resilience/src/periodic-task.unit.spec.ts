import { PeriodicTask } from './periodic-task';

/** A pass the test finishes by hand. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('PeriodicTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('given a started task, then it runs a pass after the first delay and then every interval', async () => {
    let passes = 0;
    const task = new PeriodicTask(async () => void passes++, {
      intervalMs: 100,
      firstDelayMs: 10,
      onError: () => undefined,
    });
    task.start();
    await jest.advanceTimersByTimeAsync(9);
    expect(passes).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(passes).toBe(1);
    await jest.advanceTimersByTimeAsync(300);
    expect(passes).toBe(4);
    await task.stop();
  });

  it('given a pass slower than the interval, then the next starts only an interval after it has ended', async () => {
    const slow = deferred();
    let started = 0;
    const task = new PeriodicTask(
      async () => {
        started++;
        if (started === 1) await slow.promise;
      },
      { intervalMs: 100, onError: () => undefined },
    );
    task.start();
    await jest.advanceTimersByTimeAsync(100);
    expect(started).toBe(1);
    expect(task.running).toBe(true);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(started).toBe(1);
    task.runSoon(); // new work while a pass is under way: that pass or the next picks it up
    await jest.advanceTimersByTimeAsync(0);
    expect(started).toBe(1);

    slow.resolve();
    await jest.advanceTimersByTimeAsync(99);
    expect(started).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(started).toBe(2);
    await task.stop();
  });

  it('given a pass under way, when stopped, then stop resolves only once the pass has finished, and no pass follows', async () => {
    const slow = deferred();
    let started = 0;
    let finished = 0;
    const task = new PeriodicTask(
      async () => {
        started++;
        await slow.promise;
        finished++;
      },
      { intervalMs: 50, onError: () => undefined },
    );
    task.start();
    await jest.advanceTimersByTimeAsync(50);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(500);
    expect(stopped).toBe(false);

    slow.resolve();
    await stopping;
    expect(finished).toBe(1);
    await jest.advanceTimersByTimeAsync(500);
    expect(started).toBe(1);
  });

  it('given failing passes, then each error reaches the callback and the loop goes on', async () => {
    const errors: unknown[] = [];
    let passes = 0;
    const task = new PeriodicTask(
      () => {
        passes++;
        if (passes === 1) throw new Error('thrown before any await');
        if (passes === 2) return Promise.reject(new Error('rejected'));
        return Promise.resolve();
      },
      {
        intervalMs: 10,
        onError: (error) => {
          errors.push((error as Error).message);
          throw new Error('the reporter fails too');
        },
      },
    );
    task.start();
    await jest.advanceTimersByTimeAsync(40);
    expect(errors).toEqual(['thrown before any await', 'rejected']);
    expect(passes).toBe(4);
    await task.stop();
  });

  it('given repeat false, then it runs one pass only', async () => {
    let passes = 0;
    const task = new PeriodicTask(async () => void passes++, {
      intervalMs: 10,
      firstDelayMs: 5,
      repeat: false,
      onError: () => undefined,
    });
    task.start();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(passes).toBe(1);
    await task.stop();
  });

  it('given new work, when runSoon is called, then a pass runs at once; before start or after stop nothing runs', async () => {
    let passes = 0;
    const task = new PeriodicTask(async () => void passes++, {
      intervalMs: 60_000,
      onError: () => undefined,
    });
    task.runSoon();
    await jest.advanceTimersByTimeAsync(0);
    expect(passes).toBe(0);

    task.start();
    task.runSoon();
    await jest.advanceTimersByTimeAsync(0);
    expect(passes).toBe(1);

    await task.stop();
    task.runSoon();
    await jest.advanceTimersByTimeAsync(120_000);
    expect(passes).toBe(1);
  });

  it('given a task stopped and started again while its pass runs, then the passes still never overlap', async () => {
    const slow = deferred();
    let running = 0;
    let most = 0;
    let passes = 0;
    const task = new PeriodicTask(
      async () => {
        passes++;
        running++;
        most = Math.max(most, running);
        if (passes === 1) await slow.promise;
        running--;
      },
      { intervalMs: 10, onError: () => undefined },
    );
    task.start();
    await jest.advanceTimersByTimeAsync(10);
    void task.stop();
    task.start();
    await jest.advanceTimersByTimeAsync(100);
    expect(passes).toBe(1);
    slow.resolve();
    await jest.advanceTimersByTimeAsync(100);
    expect(passes).toBeGreaterThan(1);
    expect(most).toBe(1);
    await task.stop();
  });

  it('does not keep the process alive by default', () => {
    const spy = jest.spyOn(global, 'setTimeout');
    const task = new PeriodicTask(async () => undefined, { intervalMs: 10, onError: () => undefined });
    task.start();
    const timer = spy.mock.results[0].value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    spy.mockRestore();
    void task.stop();
  });
});
