import { IsIn, ValidateIf, registerDecorator, type ValidationArguments } from 'class-validator';
import { defineConfig } from './define-config';

export const EVENT_STORES = ['postgres', 'kurrentdb'] as const;

/**
 * Which event store the apps use. PostgreSQL (the apps' own database) unless EVENT_STORE=kurrentdb, which then
 * needs KURRENTDB_CONNECTION_STRING; the string is checked at boot so a typo stops the app with the variable's
 * name instead of surfacing as a connection error at the first command.
 */
export class EventStoreConfig {
  @IsIn(EVENT_STORES)
  store!: (typeof EVENT_STORES)[number];

  @ValidateIf((c: EventStoreConfig) => c.store === 'kurrentdb' || c.kurrentDbConnectionString !== undefined)
  @IsKurrentDbConnectionString()
  kurrentDbConnectionString?: string;
}

export const eventStoreConfig = defineConfig('eventStore', EventStoreConfig, {
  store: { name: 'EVENT_STORE', default: 'postgres' },
  kurrentDbConnectionString: { name: 'KURRENTDB_CONNECTION_STRING', secret: true },
});

const BOOLEAN_OPTIONS = ['tls'];
const INTEGER_OPTIONS = [
  'maxdiscoverattempts',
  'defaultdeadline',
  'discoveryinterval',
  'gossiptimeout',
  'keepaliveinterval',
  'keepalivetimeout',
];
const TEXT_OPTIONS = ['connectionname', 'usercertfile', 'userkeyfile', 'tlscafile'];
const NODE_PREFERENCES = ['leader', 'follower', 'random', 'readonlyreplica'];

/**
 * Why a KurrentDB / EventStoreDB connection string would be refused, or undefined when it is well formed:
 * `scheme://[user:password@]host[:port][,host[:port]…][/][?key=value&…]` with the options the client knows.
 * Messages never repeat the string: it may hold a password.
 */
export function kurrentDbConnectionStringProblem(value: string): string | undefined {
  const scheme = /^(kurrentdb|kurrent|esdb)(\+discover)?:\/\//i.exec(value.trim());
  if (!scheme) return 'must start with kurrentdb://, kurrent:// or esdb:// (or their +discover forms)';
  const rest = value.trim().slice(scheme[0].length);
  const queryAt = rest.indexOf('?');
  const authority = (queryAt < 0 ? rest : rest.slice(0, queryAt)).replace(/\/+$/, '');
  const query = queryAt < 0 ? '' : rest.slice(queryAt + 1);
  const at = authority.lastIndexOf('@');
  if (at >= 0 && !/^[^:]+:.+$/.test(authority.slice(0, at))) {
    return 'credentials must be written username:password@ before the hosts';
  }
  const hosts = at >= 0 ? authority.slice(at + 1) : authority;
  if (hosts === '') return 'names no host';
  for (const host of hosts.split(',')) {
    const match = /^([A-Za-z0-9._-]+)(?::(\d+))?$/.exec(host);
    if (!match) return 'hosts must be host[:port] entries separated by commas';
    const port = match[2] === undefined ? 2113 : Number(match[2]);
    if (port < 1 || port > 65535) return `port ${match[2]} is outside 1–65535`;
  }
  if (query === '') return undefined;
  for (const pair of query.split('&')) {
    const [rawKey, optionValue, ...extra] = pair.split('=');
    if (!rawKey || optionValue === undefined || optionValue === '' || extra.length > 0) {
      return 'options must be key=value pairs joined by &';
    }
    const key = rawKey.trim().toLowerCase().replace(/[_-]/g, '');
    if (key === 'tlsverifycert') {
      // The 6.x client ignores it, and its warning prints the whole string, password included.
      return `option ${rawKey} has no effect with @eventstore/db-client 6.x: give the CA with tlsCAFile instead`;
    }
    if (key === 'throwonappendfailure') {
      return `option ${rawKey} is not for this string: the event store relies on failed appends throwing`;
    }
    if (BOOLEAN_OPTIONS.includes(key)) {
      if (!/^(true|false)$/i.test(optionValue)) return `option ${rawKey} must be true or false`;
    } else if (INTEGER_OPTIONS.includes(key)) {
      if (!/^\d+$/.test(optionValue)) return `option ${rawKey} must be a whole number`;
    } else if (key === 'nodepreference') {
      if (!NODE_PREFERENCES.includes(optionValue.toLowerCase().replace(/[_-]/g, ''))) {
        return `option ${rawKey} must be leader, follower, random or readOnlyReplica`;
      }
    } else if (!TEXT_OPTIONS.includes(key)) {
      return `unknown option ${rawKey}`;
    }
  }
  return undefined;
}

function IsKurrentDbConnectionString(): PropertyDecorator {
  return (target, propertyName) => {
    let reason = '';
    registerDecorator({
      name: 'isKurrentDbConnectionString',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          if ((args.object as EventStoreConfig).store !== 'kurrentdb') {
            // Set but unused: the operator believes the apps write to KurrentDB while they write to PostgreSQL.
            reason = 'is set but EVENT_STORE is not kurrentdb';
            return false;
          }
          const problem = typeof value === 'string' ? kurrentDbConnectionStringProblem(value) : 'is required';
          reason = problem ?? '';
          return problem === undefined;
        },
        defaultMessage: () => reason,
      },
    });
  };
}
