import { retry } from './retry';
import { sleep } from './sleep';

const transient = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('retry', () => {
  it('given a function that fails transiently twice, when retried, then it resolves on the third attempt', async () => {
    const seen: number[] = [];
    const result = await retry(
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw transient();
        return 'ok';
      },
      { attempts: 5, initialMs: 1, maxMs: 1 },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('given a function that keeps failing, when the attempts are used up, then the last error is thrown', async () => {
    let calls = 0;
    await expect(
      retry(
        async (attempt) => {
          calls++;
          throw Object.assign(transient(), { message: `attempt ${attempt}` });
        },
        { attempts: 3, initialMs: 0, maxMs: 0 },
      ),
    ).rejects.toThrow('attempt 3');
    expect(calls).toBe(3);
  });

  it('given a non-transient error, when the default classification applies, then it is not retried', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('invalid sku');
        },
        { attempts: 5, initialMs: 0, maxMs: 0 },
      ),
    ).rejects.toThrow('invalid sku');
    expect(calls).toBe(1);
  });

  it('given a custom shouldRetry, when it accepts the error, then it is retried and onRetry sees each wait', async () => {
    const retries: Array<[number, number]> = [];
    const result = await retry(
      async (attempt) => {
        if (attempt === 1) throw new Error('conflict');
        return attempt;
      },
      {
        attempts: 2,
        initialMs: 10,
        maxMs: 10,
        random: () => 0,
        shouldRetry: (err) => (err as Error).message === 'conflict',
        onRetry: (_err, attempt, delayMs) => retries.push([attempt, delayMs]),
      },
    );
    expect(result).toBe(2);
    expect(retries).toEqual([[1, 0]]);
  });

  it('given an abort during the wait, when the signal fires, then the last error is thrown without more attempts', async () => {
    const controller = new AbortController();
    let calls = 0;
    const running = retry(
      async () => {
        calls++;
        throw transient();
      },
      { attempts: 100, initialMs: 60_000, maxMs: 60_000, random: () => 1, signal: controller.signal },
    );
    controller.abort();
    await expect(running).rejects.toThrow('ECONNREFUSED');
    expect(calls).toBe(1);
  });
});

describe('sleep', () => {
  it('given an already aborted signal, then it resolves at once', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(sleep(60_000, controller.signal)).resolves.toBeUndefined();
  });

  it('given an abort while waiting, then it resolves and does not reject', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBeUndefined();
  });

  it('given no signal, then it resolves after the delay', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
  });
});
