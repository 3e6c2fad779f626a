import { createKurrentDbEventStore, KurrentDbEventStore, toEsdbConnectionString } from '@libs/event-store';
import { isTransientError } from '@libs/resilience';
import { connectKurrentDb, markTransient } from '../src/kurrentdb/kurrentdb-client';

describe('KurrentDB connection strings for @eventstore/db-client 6.x', () => {
  it.each([
    ['kurrentdb://127.0.0.1:2113?tls=false', 'esdb://127.0.0.1:2113?tls=false'],
    ['KurrentDB+discover://cluster.internal:2113', 'esdb+discover://cluster.internal:2113'],
    ['kurrent://admin:changeit@a:2113,b:2113', 'esdb://admin:changeit@a:2113,b:2113'],
    ['esdb://127.0.0.1:2113?tls=false', 'esdb://127.0.0.1:2113?tls=false'],
    ['  esdb+discover://x  ', 'esdb+discover://x'],
  ])('rewrites the scheme of %s', (given, expected) => {
    expect(toEsdbConnectionString(given)).toBe(expected);
  });

  it('refuses other schemes without repeating the string (it may hold a password)', () => {
    expect(() => toEsdbConnectionString('https://admin:pw-123@127.0.0.1:2113')).toThrow(
      /^KurrentDB connection string must start with kurrentdb:\/\/, kurrent:\/\/ or esdb:\/\//,
    );
    expect(() => toEsdbConnectionString('https://admin:pw-123@127.0.0.1:2113')).not.toThrow(/pw-123/);
  });

  // The client parses the string when it is created and connects on the first call: these reach no server.
  it.each([
    'kurrentdb://127.0.0.1:2113?tls=false',
    'kurrentdb+discover://admin:changeit@cluster.internal:2113?nodePreference=leader&keepAliveInterval=10000',
  ])('the client accepts %s once rewritten', async (connectionString) => {
    const store = await createKurrentDbEventStore(connectionString);
    expect(store).toBeInstanceOf(KurrentDbEventStore);
    await store.close();
  });

  it('the client refuses a string it cannot parse', async () => {
    await expect(createKurrentDbEventStore('kurrentdb://127.0.0.1:2113?tls')).rejects.toThrow();
  });
});

describe('KurrentDB client errors', () => {
  // Port 1 on loopback refuses at once: the client reports UNAVAILABLE, as for a server that is down.
  const gateway = connectKurrentDb('kurrentdb://127.0.0.1:1?tls=false');
  afterAll(() => gateway.close());

  it.each([
    ['an append', () => gateway.append('sku-1', [], 'any')],
    [
      'a stream read',
      () => gateway.readStream('sku-1', { fromRevision: 'start', direction: 'forwards', maxCount: 1 }),
    ],
    ['an $all read', () => gateway.readAll('start', 1)],
    [
      'a subscription',
      async () => {
        const feed = gateway.subscribeToAll('start', { streamNameRegex: '^[^$]' });
        try {
          for await (const _ of feed) break;
        } finally {
          await feed.close();
        }
      },
    ],
  ])(
    'an unreachable server fails %s with an error the consumers retry instead of dead-lettering',
    async (_what, call) => {
      const error = await call().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeDefined();
      expect(isTransientError(error)).toBe(true);
    },
  );

  it('leaves other errors as they are', () => {
    expect(isTransientError(markTransient(new Error('bad input')))).toBe(false);
    expect(isTransientError(markTransient(Object.assign(new Error('not found'), { code: 5 })))).toBe(false);
    expect(isTransientError(markTransient(Object.assign(new Error('unavailable'), { code: 14 })))).toBe(true);
  });
});
