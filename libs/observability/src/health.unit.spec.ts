import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import type { ReadinessIndicator } from './health';
import { MetricsRegistry } from './metrics-registry';
import { ObservabilityController } from './observability.controller';
import { READINESS_INDICATORS } from './tokens';

const indicators = new HealthIndicatorService();
type Outcome = 'up' | 'down' | 'degraded' | 'hangs';

/** An indicator that answers what the test says, the way the app's own ones do (attempt for up/down). */
function fixed(key: string, outcome: Outcome): ReadinessIndicator {
  return {
    key,
    async isHealthy() {
      const indicator = indicators.check(key);
      if (outcome === 'degraded') return indicator.degraded({ message: `${key} is stuck` });
      return indicator
        .attempt(async () => {
          if (outcome === 'down') throw new Error(`${key} is unwell`);
          if (outcome === 'hangs') await new Promise((resolve) => setTimeout(resolve, 5_000));
        })
        .withTimeout(100);
    },
  };
}

async function serve(checks: ReadinessIndicator[]): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false })],
    controllers: [ObservabilityController],
    providers: [
      { provide: MetricsRegistry, useFactory: () => new MetricsRegistry('health-test') },
      { provide: READINESS_INDICATORS, useValue: checks },
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('/health and /health/ready through Terminus', () => {
  const running: INestApplication[] = [];
  const start = async (checks: ReadinessIndicator[]) => {
    const served = await serve(checks);
    running.push(served.app);
    return served.url;
  };
  afterEach(async () => {
    for (const app of running.splice(0)) await app.close();
  });

  it('given every indicator is up, then readiness is 200 ok with each indicator up', async () => {
    const url = await start([fixed('postgres', 'up'), fixed('consumers', 'up')]);
    const { status, body } = await get(`${url}/health/ready`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ok',
      error: {},
      details: { postgres: { status: 'up' }, consumers: { status: 'up' } },
    });
  });

  it('given only a degraded indicator, then readiness stays 200 and says degraded, not unavailable', async () => {
    const url = await start([fixed('postgres', 'up'), fixed('consumers', 'degraded')]);
    const { status, body } = await get(`${url}/health/ready`);
    expect(status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.details).toMatchObject({ consumers: { status: 'degraded', message: 'consumers is stuck' } });
  });

  it('given a critical indicator is down, then readiness is 503 error naming it, whatever else is degraded', async () => {
    const url = await start([fixed('postgres', 'down'), fixed('consumers', 'degraded')]);
    const { status, body } = await get(`${url}/health/ready`);
    expect(status).toBe(503);
    expect(body.status).toBe('error');
    expect(body.error).toEqual({
      postgres: expect.objectContaining({ status: 'down', message: 'postgres is unwell' }),
    });
  });

  it('given an indicator that does not answer in time, then it is down with a timeout', async () => {
    const url = await start([fixed('kafka', 'hangs')]);
    const { status, body } = await get(`${url}/health/ready`);
    expect(status).toBe(503);
    expect(body.error).toEqual({
      kafka: expect.objectContaining({ status: 'down', message: 'timeout of 100ms exceeded' }),
    });
  });

  it('liveness checks no dependency: 200 ok on /health and /health/live while readiness fails', async () => {
    const url = await start([fixed('postgres', 'down')]);
    for (const path of ['/health', '/health/live']) {
      const { status, body } = await get(`${url}${path}`);
      expect({ path, status, body }).toEqual({
        path,
        status: 200,
        body: { status: 'ok', info: {}, error: {}, details: {} },
      });
    }
    expect((await fetch(`${url}/health/ready`)).status).toBe(503);
  });
});
