import type { ChannelAccess, CorrectionOutcome, ListingPage } from './channel-access';

export interface ConnectorClientOptions {
  channel: string;
  /** The connector's base URL, e.g. http://connector-taobao:3010. */
  url: string;
  /** SERVICE_TOKEN: the connector's operations routes answer 401 without it. */
  token?: string;
  timeoutMs: number;
  /** How long the connector may wait for the platform's answers to a correction before reporting it queued. */
  correctionWaitMs: number;
}

/** A channel reached through its connector's authenticated operations routes (GET /listings, POST /corrections). */
export class ConnectorClient implements ChannelAccess {
  readonly maxBatchSize = 1_000;
  readonly channel: string;

  constructor(private readonly options: ConnectorClientOptions) {
    this.channel = options.channel;
  }

  async readListings(cursor: string | undefined, pageSize: number): Promise<ListingPage> {
    const query = new URLSearchParams({ limit: String(pageSize), ...(cursor ? { cursor } : {}) });
    return (await this.call('GET', `/listings?${query}`, undefined, this.options.timeoutMs)) as ListingPage;
  }

  async correct(
    targets: readonly { sku: string; quantity: number; skuVersion: number }[],
  ): Promise<CorrectionOutcome[]> {
    const body = {
      targets: targets.map(({ sku, quantity, skuVersion }) => ({ sku, quantity, skuVersion })),
      waitMs: this.options.correctionWaitMs,
    };
    const answer = (await this.call(
      'POST',
      '/corrections',
      body,
      this.options.timeoutMs + this.options.correctionWaitMs,
    )) as {
      results: CorrectionOutcome[];
    };
    return answer.results;
  }

  private async call(method: string, path: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const url = this.options.url.replace(/\/$/, '') + path;
    const response = await fetch(url, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(
        `connector ${this.channel} answered ${response.status} to ${method} ${path.split('?')[0]}: ${text.slice(0, 200)}`,
      );
    return JSON.parse(text) as unknown;
  }
}

/** RECONCILE_CONNECTORS: `channel=url` pairs, comma separated (e.g. `taobao=http://connector-taobao:3010`). */
export function parseConnectorList(entries: readonly string[]): { channel: string; url: string }[] {
  return entries.map((entry) => {
    const at = entry.indexOf('=');
    return { channel: entry.slice(0, at).trim(), url: entry.slice(at + 1).trim() };
  });
}
