import { EmailReceiver } from './email-receiver';
import { DingTalkReceiver, FeishuReceiver, WebhookReceiver, WeComReceiver } from './http-receivers';
import type { Receiver } from './receiver';

/** The receivers' settings as configuration gives them; a receiver with no URL is not configured. */
export interface ReceiverSettings {
  webhookUrl?: string;
  webhookSecret?: string;
  wecomUrl?: string;
  dingtalkUrl?: string;
  dingtalkSecret?: string;
  feishuUrl?: string;
  feishuSecret?: string;
  smtpUrl?: string;
  emailFrom?: string;
  emailTo?: string[];
  sendTimeoutMs: number;
}

/** One receiver per configured kind, named webhook, wecom, dingtalk, feishu, email (the names routes use). */
export function buildReceivers(s: ReceiverSettings): Receiver[] {
  const timeoutMs = s.sendTimeoutMs;
  const receivers: Receiver[] = [];
  if (s.webhookUrl && s.webhookSecret)
    receivers.push(new WebhookReceiver({ url: s.webhookUrl, secret: s.webhookSecret, timeoutMs }));
  if (s.wecomUrl) receivers.push(new WeComReceiver({ url: s.wecomUrl, timeoutMs }));
  if (s.dingtalkUrl)
    receivers.push(new DingTalkReceiver({ url: s.dingtalkUrl, secret: s.dingtalkSecret, timeoutMs }));
  if (s.feishuUrl)
    receivers.push(new FeishuReceiver({ url: s.feishuUrl, secret: s.feishuSecret, timeoutMs }));
  if (s.smtpUrl && s.emailFrom && s.emailTo && s.emailTo.length > 0)
    receivers.push(new EmailReceiver({ smtpUrl: s.smtpUrl, from: s.emailFrom, to: s.emailTo, timeoutMs }));
  return receivers;
}
