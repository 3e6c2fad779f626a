/** A dependency the app cannot serve without; readiness fails while any check fails. */
export abstract class HealthCheck {
  abstract readonly name: string;
  /** Resolves when healthy; rejects with the reason otherwise. */
  abstract check(): Promise<void>;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, { status: 'up' | 'down'; error?: string }>;
}

const CHECK_TIMEOUT_MS = 2000;

export async function runHealthChecks(checks: HealthCheck[]): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        await withTimeout(c.check(), CHECK_TIMEOUT_MS);
        return [c.name, { status: 'up' as const }] as const;
      } catch (err) {
        return [c.name, { status: 'down' as const, error: (err as Error).message }] as const;
      }
    }),
  );
  const report = Object.fromEntries(results);
  const ok = results.every(([, r]) => r.status === 'up');
  return { status: ok ? 'ok' : 'unavailable', checks: report };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
