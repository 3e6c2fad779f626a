import { signedHeaders } from '@libs/channels';

export interface WebhookTarget {
  /** Base URL of the connector, e.g. http://127.0.0.1:3010 */
  url: string;
  /** Webhook path on the connector, e.g. /webhooks/taobao */
  path: string;
  secret: string;
}

export interface SendOptions {
  /** Sign with another secret (a forged notice). */
  signWith?: string;
  /** Shift the signed timestamp (a replayed or skewed notice). */
  clockSkewMs?: number;
  /** Send without signature headers. */
  unsigned?: boolean;
}

export interface SendResult {
  status: number;
  json: unknown;
}

/** Posts one order notification the way the platform would: signed JSON to the connector's webhook. */
export async function sendNotification(
  target: WebhookTarget,
  body: unknown,
  options: SendOptions = {},
): Promise<SendResult> {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (!options.unsigned) {
    Object.assign(
      headers,
      signedHeaders(
        options.signWith ?? target.secret,
        'POST',
        target.path,
        text,
        Date.now() + (options.clockSkewMs ?? 0),
      ),
    );
  }
  const response = await fetch(new URL(target.path, target.url), { method: 'POST', headers, body: text });
  const raw = await response.text();
  let json: unknown = raw;
  try {
    json = JSON.parse(raw);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, json };
}

export interface DeliveryPattern {
  /** Each notice is sent this many times (at-least-once redelivery). */
  copies?: number;
  /** Send in a shuffled order (platforms do not promise order). */
  shuffle?: boolean;
  /** Send the copies concurrently rather than one after another. */
  concurrent?: boolean;
  random?: () => number;
}

/** Sends notices with the duplicates and disorder real platforms produce; returns every answer. */
export async function sendNotifications(
  target: WebhookTarget,
  bodies: unknown[],
  pattern: DeliveryPattern = {},
): Promise<SendResult[]> {
  const sends: unknown[] = bodies.flatMap((b) => Array.from({ length: pattern.copies ?? 1 }, () => b));
  if (pattern.shuffle) {
    const random = pattern.random ?? Math.random;
    for (let i = sends.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [sends[i], sends[j]] = [sends[j], sends[i]];
    }
  }
  if (pattern.concurrent) return Promise.all(sends.map((b) => sendNotification(target, b)));
  const results: SendResult[] = [];
  for (const b of sends) results.push(await sendNotification(target, b));
  return results;
}
