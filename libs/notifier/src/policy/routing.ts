import { ALERT_KINDS, type AlertKind } from '@libs/messaging';

/** Which receivers hear which alert kinds. */
export type Routes = ReadonlyMap<AlertKind | '*', readonly string[]>;

export const RoutingErrorCodes = {
  BAD_ROUTE: 'NOTIFIER.ROUTE_FORMAT',
  UNKNOWN_KIND: 'NOTIFIER.ROUTE_UNKNOWN_KIND',
  UNKNOWN_RECEIVER: 'NOTIFIER.ROUTE_UNKNOWN_RECEIVER',
} as const;

export class RoutingError extends Error {
  constructor(
    readonly code: (typeof RoutingErrorCodes)[keyof typeof RoutingErrorCodes],
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'RoutingError';
  }
}

const ENTRY = /^([A-Z_]+|\*)=([a-z][a-z0-9-]*(?:\+[a-z][a-z0-9-]*)*|-)$/;

/**
 * Entries like `LOW_STOCK=wecom+email`, `DEAD_LETTER=webhook`, `*=wecom` (every kind not named), `PROMETHEUS=-`
 * (nobody). Without a `*` entry, the kinds not named go to every configured receiver. Every receiver named must
 * be configured: a typo would otherwise send an alert nowhere, silently.
 */
export function parseRoutes(entries: readonly string[], configured: readonly string[]): Routes {
  const routes = new Map<AlertKind | '*', readonly string[]>();
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    const m = ENTRY.exec(entry);
    if (!m)
      throw new RoutingError(
        RoutingErrorCodes.BAD_ROUTE,
        `expected KIND=receiver+receiver, got ${JSON.stringify(entry)}`,
      );
    const kind = m[1] as AlertKind | '*';
    if (kind !== '*' && !(ALERT_KINDS as readonly string[]).includes(kind))
      throw new RoutingError(
        RoutingErrorCodes.UNKNOWN_KIND,
        `${kind} is not one of ${ALERT_KINDS.join(', ')}`,
      );
    const receivers = m[2] === '-' ? [] : m[2]!.split('+');
    for (const r of receivers)
      if (!configured.includes(r))
        throw new RoutingError(
          RoutingErrorCodes.UNKNOWN_RECEIVER,
          `${kind} routes to ${r}, which is not configured (configured: ${configured.join(', ') || 'none'})`,
        );
    routes.set(kind, [...new Set(receivers)]);
  }
  if (!routes.has('*')) routes.set('*', [...configured]);
  return routes;
}

export function receiversFor(kind: AlertKind, routes: Routes): readonly string[] {
  return routes.get(kind) ?? routes.get('*') ?? [];
}
