import { ConfigError } from './config-error';
import { loadConfig } from './define-config';
import { eventStoreConfig, kurrentDbConnectionStringProblem } from './event-store.config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(eventStoreConfig, env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('event store selection', () => {
  it('given nothing set, when loaded, then the apps use PostgreSQL', () => {
    expect(loadConfig(eventStoreConfig, {})).toMatchObject({ store: 'postgres' });
  });

  it('given EVENT_STORE=kurrentdb and a connection string, when loaded, then both are kept', () => {
    const config = loadConfig(eventStoreConfig, {
      EVENT_STORE: 'kurrentdb',
      KURRENTDB_CONNECTION_STRING: 'kurrentdb://127.0.0.1:2113?tls=false',
    });
    expect(config).toEqual({
      store: 'kurrentdb',
      kurrentDbConnectionString: 'kurrentdb://127.0.0.1:2113?tls=false',
    });
  });

  it('given EVENT_STORE=kurrentdb without a connection string, when loaded, then CONFIG.INVALID names the variable', () => {
    const error = (() => {
      try {
        loadConfig(eventStoreConfig, { EVENT_STORE: 'kurrentdb' });
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      code: 'CONFIG.INVALID',
      problems: ['[eventStore] KURRENTDB_CONNECTION_STRING: is required'],
    });
  });

  it('given a malformed connection string, when loaded, then the reason is given and the password is not', () => {
    const problems = problemsOf({
      EVENT_STORE: 'kurrentdb',
      KURRENTDB_CONNECTION_STRING: 'http://admin:s3cret-pass@127.0.0.1:2113',
    });
    expect(problems).toEqual([
      '[eventStore] KURRENTDB_CONNECTION_STRING: must start with kurrentdb://, kurrent:// or esdb:// (or their +discover forms)',
    ]);
    expect(problems.join()).not.toContain('s3cret-pass');
  });

  it('given an unknown store, when loaded, then it is refused', () => {
    expect(problemsOf({ EVENT_STORE: 'mongodb' })).toEqual([
      expect.stringMatching(
        /^\[eventStore\] EVENT_STORE: store must be one of the following values: postgres, kurrentdb/,
      ),
    ]);
  });

  it('given a connection string while EVENT_STORE stays postgres, when loaded, then it is refused as unused', () => {
    expect(problemsOf({ KURRENTDB_CONNECTION_STRING: 'esdb://127.0.0.1:2113' })).toEqual([
      '[eventStore] KURRENTDB_CONNECTION_STRING: is set but EVENT_STORE is not kurrentdb',
    ]);
  });
});

describe('KurrentDB connection strings', () => {
  it.each([
    'kurrentdb://127.0.0.1:2113?tls=false',
    'kurrent://localhost',
    'esdb://admin:changeit@node1:2113,node2:2113,node3:2113?nodePreference=leader&tlsCAFile=/etc/kurrentdb/ca.crt',
    'esdb+discover://cluster.example.internal:2113?tls=true&defaultDeadline=10000',
    'kurrentdb+discover://cluster.example.internal/?keepAliveInterval=10000&connectionName=stocksync',
  ])('accepts %s', (text) => {
    expect(kurrentDbConnectionStringProblem(text)).toBeUndefined();
  });

  it.each([
    ['', 'must start with kurrentdb://, kurrent:// or esdb:// (or their +discover forms)'],
    ['127.0.0.1:2113', 'must start with kurrentdb://, kurrent:// or esdb:// (or their +discover forms)'],
    ['kurrentdb://', 'names no host'],
    ['kurrentdb://admin@127.0.0.1:2113', 'credentials must be written username:password@ before the hosts'],
    ['kurrentdb://127.0.0.1:99999', 'port 99999 is outside 1–65535'],
    ['kurrentdb://127.0.0.1:21x3', 'hosts must be host[:port] entries separated by commas'],
    ['kurrentdb://a:2113,,b:2113', 'hosts must be host[:port] entries separated by commas'],
    ['kurrentdb://127.0.0.1:2113?tls=maybe', 'option tls must be true or false'],
    ['kurrentdb://127.0.0.1:2113?tls', 'options must be key=value pairs joined by &'],
    ['kurrentdb://127.0.0.1:2113?gossipTimeout=5s', 'option gossipTimeout must be a whole number'],
    [
      'kurrentdb://127.0.0.1:2113?nodePreference=nearest',
      'option nodePreference must be leader, follower, random or readOnlyReplica',
    ],
    ['kurrentdb://127.0.0.1:2113?tls=false&colour=blue', 'unknown option colour'],
    [
      'kurrentdb://127.0.0.1:2113?throwOnAppendFailure=false',
      'option throwOnAppendFailure is not for this string: the event store relies on failed appends throwing',
    ],
    [
      'kurrentdb://127.0.0.1:2113?tlsVerifyCert=false',
      'option tlsVerifyCert has no effect with @eventstore/db-client 6.x: give the CA with tlsCAFile instead',
    ],
  ])('refuses %j: %s', (text, reason) => {
    expect(kurrentDbConnectionStringProblem(text)).toBe(reason);
  });
});
