/**
 * Something readiness looks at. A `critical` check (the default) is a dependency the app cannot serve without:
 * readiness fails (503) while it fails. A `degraded` check reports a part of the app that is stuck but whose
 * failure routing traffic elsewhere would not cure (a consumer waiting for a dependency): readiness stays 200
 * and says `degraded`, and an alert pages someone.
 */
export abstract class HealthCheck {
  abstract readonly name: string;
  readonly severity: 'critical' | 'degraded' = 'critical';
  /** Resolves when healthy; rejects with the reason otherwise. */
  abstract check(): Promise<void>;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'unavailable';
  checks: Record<string, { status: 'up' | 'down' | 'degraded'; error?: string }>;
}

const CHECK_TIMEOUT_MS = 2000;

export async function runHealthChecks(checks: HealthCheck[]): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        await withTimeout(c.check(), CHECK_TIMEOUT_MS);
        return [c.name, { status: 'up' as const }] as const;
      } catch (err) {
        const status = c.severity === 'degraded' ? ('degraded' as const) : ('down' as const);
        return [c.name, { status, error: (err as Error).message }] as const;
      }
    }),
  );
  const report = Object.fromEntries(results);
  const status = results.some(([, r]) => r.status === 'down')
    ? 'unavailable'
    : results.some(([, r]) => r.status === 'degraded')
      ? 'degraded'
      : 'ok';
  return { status, checks: report };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
