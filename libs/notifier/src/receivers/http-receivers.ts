import { render, type Notification } from '../format/render';
import { checkRobotAnswer, postJson, type Receiver } from './receiver';
import { dingTalkSign, feishuSign, WEBHOOK_HEADERS, webhookSignature } from './signing';

/** A clock in milliseconds, for tests. */
export type Clock = () => number;

export interface HttpReceiverOptions {
  url: string;
  /** Signing secret; empty or absent: unsigned (the generic webhook always needs one). */
  secret?: string;
  timeoutMs: number;
  now?: Clock;
}

/** The generic webhook's JSON body. */
export function webhookBody(n: Notification): string {
  const { title } = render(n);
  return JSON.stringify({
    version: 1,
    id: n.id,
    notification: n.notification,
    title,
    alert: {
      kind: n.kind,
      key: n.key,
      severity: n.severity,
      summary: n.summary,
      labels: n.labels,
      episode: n.episode,
      openedAt: n.openedAt,
      at: n.at,
    },
  });
}

/** Any HTTP endpoint of the user's: JSON, signed with HMAC-SHA256 (headers in WEBHOOK_HEADERS). */
export class WebhookReceiver implements Receiver {
  readonly name = 'webhook';

  constructor(private readonly options: HttpReceiverOptions & { secret: string }) {}

  async send(n: Notification): Promise<void> {
    const body = webhookBody(n);
    const seconds = Math.floor((this.options.now ?? Date.now)() / 1000);
    await postJson(
      this.options.url,
      body,
      {
        [WEBHOOK_HEADERS.timestamp]: String(seconds),
        [WEBHOOK_HEADERS.signature]: webhookSignature(this.options.secret, seconds, body),
        [WEBHOOK_HEADERS.delivery]: n.id,
      },
      this.options.timeoutMs,
    );
  }
}

/** WeCom (企业微信) group robot: msgtype markdown, content at most 4,096 bytes. 45009: over the rate limit. */
export class WeComReceiver implements Receiver {
  readonly name = 'wecom';

  constructor(private readonly options: HttpReceiverOptions) {}

  async send(n: Notification): Promise<void> {
    const body = JSON.stringify({ msgtype: 'markdown', markdown: { content: render(n).markdown } });
    checkRobotAnswer(await postJson(this.options.url, body, {}, this.options.timeoutMs), [45009]);
  }
}

/** The URL with DingTalk's `timestamp` and `sign` added when a secret is set. */
export function dingTalkUrl(url: string, secret: string | undefined, nowMs: number): string {
  if (!secret) return url;
  const signed = new URL(url);
  signed.searchParams.set('timestamp', String(nowMs));
  signed.searchParams.set('sign', dingTalkSign(secret, nowMs));
  return signed.toString();
}

/** DingTalk (钉钉) custom robot: msgtype markdown; 加签 when a secret is set. 130101: sending too fast. */
export class DingTalkReceiver implements Receiver {
  readonly name = 'dingtalk';

  constructor(private readonly options: HttpReceiverOptions) {}

  async send(n: Notification): Promise<void> {
    const { title, markdown } = render(n);
    const body = JSON.stringify({ msgtype: 'markdown', markdown: { title, text: markdown } });
    const url = dingTalkUrl(this.options.url, this.options.secret, (this.options.now ?? Date.now)());
    checkRobotAnswer(await postJson(url, body, {}, this.options.timeoutMs), [130101]);
  }
}

/** The Feishu/Lark body: a text message, with `timestamp` and `sign` when a secret is set. */
export function feishuBody(n: Notification, secret: string | undefined, nowMs: number): string {
  const content = { msg_type: 'text', content: { text: render(n).text } };
  if (!secret) return JSON.stringify(content);
  const seconds = Math.floor(nowMs / 1000);
  return JSON.stringify({ timestamp: String(seconds), sign: feishuSign(secret, seconds), ...content });
}

/** Feishu/Lark (飞书) custom bot. 9499 and 11232: throttled. */
export class FeishuReceiver implements Receiver {
  readonly name = 'feishu';

  constructor(private readonly options: HttpReceiverOptions) {}

  async send(n: Notification): Promise<void> {
    const body = feishuBody(n, this.options.secret, (this.options.now ?? Date.now)());
    checkRobotAnswer(await postJson(this.options.url, body, {}, this.options.timeoutMs), [9499, 11232]);
  }
}
