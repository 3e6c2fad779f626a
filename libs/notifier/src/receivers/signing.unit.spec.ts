import { dingTalkUrl, feishuBody } from './http-receivers';
import { dingTalkSign, feishuSign, webhookSignature } from './signing';
import type { Notification } from '../format/render';

// The expected values were computed outside this code, with openssl (`openssl dgst -sha256 -hmac …`), following
// each robot's documented recipe; a change in what is signed or how it is encoded fails these.
describe('signatures', () => {
  it('signs the generic webhook over "<unix seconds>.<body>" as sha256=<hex>', () => {
    expect(webhookSignature('topsecret', 1_700_000_000, '{"a":1}')).toBe(
      'sha256=6a939b0c71853d606167625a15168ee9188c6a511c773ef4f42d307f3849e50f',
    );
    // Any change of body, time or secret changes it.
    expect(webhookSignature('topsecret', 1_700_000_001, '{"a":1}')).not.toBe(
      webhookSignature('topsecret', 1_700_000_000, '{"a":1}'),
    );
  });

  it('signs DingTalk with the secret as key over "<timestamp ms>\\n<secret>", base64, URL-encoded in the query', () => {
    expect(dingTalkSign('SECtest', 1_700_000_000_000)).toBe('aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g=');
    const url = new URL(
      dingTalkUrl('https://robot.invalid/robot/send?access_token=abc', 'SECtest', 1_700_000_000_000),
    );
    expect(url.searchParams.get('access_token')).toBe('abc');
    expect(url.searchParams.get('timestamp')).toBe('1700000000000');
    expect(url.searchParams.get('sign')).toBe('aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g=');
    // The + and = of base64 are percent-encoded on the wire.
    expect(url.search).toContain('sign=aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g%3D');
  });

  it('leaves the DingTalk URL alone without a secret', () => {
    expect(dingTalkUrl('https://robot.invalid/robot/send?access_token=abc', undefined, 1)).toBe(
      'https://robot.invalid/robot/send?access_token=abc',
    );
  });

  it('signs Feishu with "<timestamp s>\\n<secret>" as key over an empty message, in the body', () => {
    expect(feishuSign('feishu-secret', 1_700_000_000)).toBe('OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU=');
    const n: Notification = {
      id: '1',
      notification: 'raised',
      kind: 'LOW_STOCK',
      key: 'S1',
      severity: 'warning',
      summary: 's',
      labels: {},
      episode: 1,
      openedAt: null,
      at: '2026-01-01T00:00:00.000Z',
    };
    const body = JSON.parse(feishuBody(n, 'feishu-secret', 1_700_000_000_999));
    expect(body).toMatchObject({
      timestamp: '1700000000',
      sign: 'OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU=',
      msg_type: 'text',
    });
    expect(JSON.parse(feishuBody(n, undefined, 0))).not.toHaveProperty('sign');
  });
});
