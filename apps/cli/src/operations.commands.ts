import { PostgresEventStore } from '@libs/event-store';
import { createPool } from '@libs/database';
import { Projector } from '../../projector/src/projector';
import { requestJson } from './http-json';

export interface OperationsContext {
  apiUrl: string;
  apiKey: string;
  reconcilerUrl: string;
  /** The service token the reconciler's routes require (STOCKSYNC_SERVICE_TOKEN, else SERVICE_TOKEN). */
  serviceToken: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** `sku <sku>`: one SKU's stock and every channel's target, as the read models have it. */
export async function showSku(sku: string, c: OperationsContext): Promise<number> {
  const view = await requestJson('GET', `${c.apiUrl}/v1/skus/${encodeURIComponent(sku)}`, c.apiKey);
  c.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  return 0;
}

/** `reconcile`: runs a reconciliation now and prints its summary. */
export async function reconcileNow(c: OperationsContext): Promise<number> {
  c.stderr.write('reconciling… (this waits for the run to finish)\n');
  const summary = await requestJson('POST', `${c.reconcilerUrl}/v1/reconciliations`, c.serviceToken);
  c.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return 0;
}

/** `rebuild-projections`: drops the read models and replays the event store (stop the projector first). */
export async function rebuildProjections(c: OperationsContext): Promise<number> {
  const url = c.env.DATABASE_URL;
  if (!url) {
    c.stderr.write('DATABASE_URL is not set\n');
    return 2;
  }
  const pool = createPool({ url, max: 2, applicationName: 'stocksync-cli' });
  try {
    const projector = new Projector(pool, await PostgresEventStore.create(pool));
    const result = await projector.rebuild();
    c.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } finally {
    await pool.end();
  }
}
