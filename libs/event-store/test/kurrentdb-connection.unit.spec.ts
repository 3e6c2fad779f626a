import { createKurrentDbEventStore, KurrentDbEventStore, toEsdbConnectionString } from '@libs/event-store';

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
