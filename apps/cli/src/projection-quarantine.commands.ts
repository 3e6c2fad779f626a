import type { OperationsContext } from './operations.commands';
import { requestJson } from './http-json';

interface QuarantineRow {
  sku: string;
  version: number;
  eventType: string;
  reasonCode: string;
  reason: string;
  attempts: number;
  skippedEvents: number;
  firstFailedAt: string;
  retryRequestedAt: string | null;
}

/** `projection quarantine list`: the SKUs the projector set aside, one line each, then the rows as JSON. */
export async function listQuarantine(c: OperationsContext): Promise<number> {
  const { items } = (await requestJson(
    'GET',
    `${c.apiUrl}/v1/projection/quarantine?limit=1000`,
    c.apiKey,
  )) as {
    items: QuarantineRow[];
  };
  if (items.length === 0) {
    c.stderr.write('no SKU is set aside: the projector projects every SKU\n');
  }
  for (const row of items) {
    c.stderr.write(
      `${row.sku}  at version ${row.version} (${row.eventType})  ${row.reasonCode}  since ${row.firstFailedAt}, ` +
        `${row.attempts} attempt(s), ${row.skippedEvents} event(s) passed over` +
        `${row.retryRequestedAt ? '  [retry requested]' : ''}\n`,
    );
  }
  c.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
  return 0;
}

/**
 * `projection quarantine retry <sku>`: asks the projector (through the API) to rebuild the SKU from its stream.
 * The answer comes back in the list: the row disappears, or stays with one more attempt and the new reason.
 */
export async function retryQuarantine(sku: string, c: OperationsContext): Promise<number> {
  const row = await requestJson(
    'POST',
    `${c.apiUrl}/v1/projection/quarantine/${encodeURIComponent(sku)}/retry`,
    c.apiKey,
  );
  c.stderr.write(
    `retry of ${sku} requested; the projector serves it within a second or so (see: projection quarantine list)\n`,
  );
  c.stdout.write(`${JSON.stringify(row, null, 2)}\n`);
  return 0;
}
