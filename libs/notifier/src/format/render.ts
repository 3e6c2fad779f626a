import type { AlertKind, AlertSeverity } from '@libs/messaging';
import type { NotificationKind } from '../policy/alert-policy';

/** One message to send, as stored in the outbox: a snapshot of the alert when the message was decided. */
export interface Notification {
  /** The outbox row's id: receivers may dedupe on it (the generic webhook sends it as a header). */
  id: string;
  notification: NotificationKind;
  kind: AlertKind;
  key: string;
  severity: AlertSeverity;
  summary: string;
  labels: Record<string, string>;
  episode: number;
  openedAt: string | null;
  /** Source time of the change that led to this message (a reminder: when it was decided). */
  at: string;
}

export interface RenderedMessage {
  /** One line: a mail subject, a robot markdown title. */
  title: string;
  /** Plain text body (mail, Feishu text). */
  text: string;
  /** Markdown body (WeCom, DingTalk). */
  markdown: string;
}

const WORD: Record<NotificationKind, string> = {
  raised: 'ALERT',
  reminder: 'STILL OPEN',
  resolved: 'RESOLVED',
};

/** Chat robots cap a message (WeCom markdown: 4,096 bytes); the body is cut well inside that. */
export const MAX_BODY_BYTES = 3800;

export function render(n: Notification): RenderedMessage {
  const title = `[${WORD[n.notification]}] ${n.kind} ${n.key} (${n.severity})`;
  const facts: [string, string][] = [
    ['kind', n.kind],
    ['key', n.key],
    ['severity', n.severity],
    ...(n.openedAt ? ([['open since', n.openedAt]] as [string, string][]) : []),
    [n.notification === 'resolved' ? 'resolved at' : 'at', n.at],
    ...Object.entries(n.labels).sort(([a], [b]) => a.localeCompare(b)),
  ];
  const text = clipBytes(
    [title, '', n.summary, '', ...facts.map(([k, v]) => `${k}: ${v}`)].join('\n'),
    MAX_BODY_BYTES,
  );
  const markdown = clipBytes(
    [
      `### ${escapeMarkdown(title)}`,
      escapeMarkdown(n.summary),
      '',
      ...facts.map(([k, v]) => `> **${escapeMarkdown(k)}**: ${escapeMarkdown(v)}`),
    ].join('\n'),
    MAX_BODY_BYTES,
  );
  return { title: clipBytes(title, 200), text, markdown };
}

/** Keeps text from being read as markup it did not mean (a label value with `*`, `<font>`, a link). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>#|]/g, (c) => `\\${c}`);
}

/** Cuts text to at most `max` UTF-8 bytes on a character boundary, ending with "…" when cut. */
export function clipBytes(text: string, max: number): string {
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  let out = '';
  let bytes = 0;
  const ellipsis = Buffer.byteLength('…', 'utf8');
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size + ellipsis > max) break;
    out += ch;
    bytes += size;
  }
  return out + '…';
}
