import { clipBytes, escapeMarkdown, MAX_BODY_BYTES, type Notification, render } from './render';
import { webhookBody } from '../receivers/http-receivers';

const base: Notification = {
  id: '42',
  notification: 'raised',
  kind: 'LOW_STOCK',
  key: 'SKU-1',
  severity: 'warning',
  summary: 'SKU-1 is at 2 on hand (threshold 5).',
  labels: { sku: 'SKU-1', channel: 'taobao' },
  episode: 3,
  openedAt: '2026-03-01T00:00:00.000Z',
  at: '2026-03-01T00:00:00.000Z',
};

describe('message formatting', () => {
  it('titles say what happened, to what, how bad', () => {
    expect(render(base).title).toBe('[ALERT] LOW_STOCK SKU-1 (warning)');
    expect(render({ ...base, notification: 'reminder' }).title).toBe(
      '[STILL OPEN] LOW_STOCK SKU-1 (warning)',
    );
    expect(render({ ...base, notification: 'resolved' }).title).toBe('[RESOLVED] LOW_STOCK SKU-1 (warning)');
  });

  it('puts the summary and the labels (sorted) in text and markdown', () => {
    const { text, markdown } = render(base);
    expect(text).toContain('SKU-1 is at 2 on hand (threshold 5).');
    expect(text.indexOf('channel: taobao')).toBeLessThan(text.indexOf('sku: SKU-1'));
    expect(markdown).toContain('> **channel**: taobao');
  });

  it('escapes markdown in values so a label cannot inject markup or links', () => {
    expect(escapeMarkdown('<font color="warning">x</font> [a](b) *b*')).toBe(
      '\\<font color="warning"\\>x\\</font\\> \\[a\\](b) \\*b\\*',
    );
  });

  it('keeps every body within the robots limit, cut on a character boundary', () => {
    const long = { ...base, summary: '库存不足'.repeat(2000) };
    const { text, markdown } = render(long);
    for (const body of [text, markdown]) {
      expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(MAX_BODY_BYTES);
      expect(body.endsWith('…')).toBe(true);
      expect(body).not.toContain('\uFFFD');
    }
    expect(clipBytes('abc', 3)).toBe('abc');
    expect(clipBytes('abcd', 3)).toBe('…');
  });

  it('gives the generic webhook a versioned JSON body with the delivery id', () => {
    expect(JSON.parse(webhookBody(base))).toEqual({
      version: 1,
      id: '42',
      notification: 'raised',
      title: '[ALERT] LOW_STOCK SKU-1 (warning)',
      alert: {
        kind: 'LOW_STOCK',
        key: 'SKU-1',
        severity: 'warning',
        summary: base.summary,
        labels: base.labels,
        episode: 3,
        openedAt: base.openedAt,
        at: base.at,
      },
    });
  });
});
