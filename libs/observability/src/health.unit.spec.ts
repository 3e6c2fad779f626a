import { HealthCheck, runHealthChecks } from './health';

class Fixed extends HealthCheck {
  constructor(
    readonly name: string,
    private readonly healthy: boolean,
    override readonly severity: 'critical' | 'degraded' = 'critical',
  ) {
    super();
  }

  async check(): Promise<void> {
    if (!this.healthy) throw new Error(`${this.name} is unwell`);
  }
}

describe('runHealthChecks', () => {
  it('given every check passes, then the report is ok', async () => {
    const report = await runHealthChecks([new Fixed('postgres', true), new Fixed('consumers', true, 'degraded')]);
    expect(report).toEqual({ status: 'ok', checks: { postgres: { status: 'up' }, consumers: { status: 'up' } } });
  });

  it('given only a degraded-severity check fails, then the report is degraded, not unavailable', async () => {
    const report = await runHealthChecks([new Fixed('postgres', true), new Fixed('consumers', false, 'degraded')]);
    expect(report.status).toBe('degraded');
    expect(report.checks.consumers).toEqual({ status: 'degraded', error: 'consumers is unwell' });
  });

  it('given a critical check fails, then the report is unavailable whatever else is degraded', async () => {
    const report = await runHealthChecks([new Fixed('postgres', false), new Fixed('consumers', false, 'degraded')]);
    expect(report.status).toBe('unavailable');
    expect(report.checks.postgres.status).toBe('down');
  });
});
