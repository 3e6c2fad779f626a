/**
 * `@eventstore/db-client` 6.x only parses `esdb://` and `esdb+discover://`; KurrentDB's own documentation and
 * its renamed client use `kurrentdb://` (and `kurrent://`). The rest of the string has the same grammar, so the
 * scheme is all that changes.
 */
const SCHEMES: Record<string, string> = {
  esdb: 'esdb',
  'esdb+discover': 'esdb+discover',
  kurrentdb: 'esdb',
  'kurrentdb+discover': 'esdb+discover',
  kurrent: 'esdb',
  'kurrent+discover': 'esdb+discover',
};

/** The connection string in the form `@eventstore/db-client` 6.x parses; throws on an unknown scheme. */
export function toEsdbConnectionString(connectionString: string): string {
  const trimmed = connectionString.trim();
  const match = /^([a-z+]+):\/\//i.exec(trimmed);
  const scheme = match ? SCHEMES[match[1].toLowerCase()] : undefined;
  if (!match || !scheme) {
    // The string may hold a password: name the expected schemes, never the value.
    throw new Error(
      'KurrentDB connection string must start with kurrentdb://, kurrent:// or esdb:// (or their +discover forms)',
    );
  }
  return `${scheme}://${trimmed.slice(match[0].length)}`;
}
