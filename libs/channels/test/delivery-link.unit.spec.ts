import fc from 'fast-check';
import { DEFAULT_DELIVERY_LINK_TTL_MS, DeliveryLinks } from '../src/platforms/delivery-link';

const SECRET = 'a-delivery-link-secret-of-at-least-32-chars';
const tokenOf = (link: string) => link.slice(link.indexOf('/deliveries/') + '/deliveries/'.length);

describe('buyer delivery links', () => {
  let now = 1_700_000_000_000;
  const links = new DeliveryLinks({ secret: SECRET, pageUrl: 'https://p.example/', now: () => now });
  const claim = { channel: 'taobao', orderId: 'T-1', sku: 'sku-1', unitIds: ['u-2', 'u-1'] };

  beforeEach(() => {
    now = 1_700_000_000_000;
  });

  it('given a link, when it is opened within its TTL, then it names that order and its units', () => {
    const link = links.issue(claim);
    expect(link).toMatch(/^https:\/\/p\.example\/deliveries\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(links.verify(tokenOf(link))).toMatchObject({
      ok: true,
      claim: { ...claim, unitIds: ['u-1', 'u-2'], expiresAt: now + DEFAULT_DELIVERY_LINK_TTL_MS },
    });
  });

  it('given a link, when its TTL (7 days by default) has passed, then it is expired', () => {
    const link = links.issue(claim);
    now += DEFAULT_DELIVERY_LINK_TTL_MS;
    expect(links.verify(tokenOf(link))).toEqual({ ok: false, code: 'DELIVERY_LINK.EXPIRED' });
  });

  it('given a link signed with another secret, then it is refused', () => {
    const other = new DeliveryLinks({ secret: `${SECRET}-other`, pageUrl: 'https://p.example' });
    expect(links.verify(tokenOf(other.issue(claim)))).toEqual({
      ok: false,
      code: 'DELIVERY_LINK.BAD_SIGNATURE',
    });
  });

  it('given the secret was rotated, when a link signed with the previous secret is opened, then it still opens', () => {
    const before = new DeliveryLinks({ secret: SECRET, pageUrl: 'https://p.example', now: () => now });
    const sent = before.issue(claim);
    const rotated = new DeliveryLinks({
      secret: `${SECRET}-new`,
      previousSecrets: [SECRET],
      pageUrl: 'https://p.example',
      now: () => now,
    });
    expect(rotated.verify(tokenOf(sent))).toMatchObject({ ok: true, claim: { orderId: 'T-1' } });
  });

  it('given the secret was rotated, then new links are signed with the current secret only', () => {
    const rotated = new DeliveryLinks({
      secret: `${SECRET}-new`,
      previousSecrets: [SECRET],
      pageUrl: 'https://p.example',
      now: () => now,
    });
    const fresh = new DeliveryLinks({
      secret: `${SECRET}-new`,
      pageUrl: 'https://p.example',
      now: () => now,
    });
    expect(fresh.verify(tokenOf(rotated.issue(claim))).ok).toBe(true);
    expect(links.verify(tokenOf(rotated.issue(claim)))).toEqual({
      ok: false,
      code: 'DELIVERY_LINK.BAD_SIGNATURE',
    });
  });

  it('given the secret was rotated, when a link signed with an unknown secret is opened, then it is refused', () => {
    const rotated = new DeliveryLinks({
      secret: `${SECRET}-new`,
      previousSecrets: [SECRET],
      pageUrl: 'https://p.example',
      now: () => now,
    });
    const stranger = new DeliveryLinks({
      secret: `${SECRET}-unknown`,
      pageUrl: 'https://p.example',
      now: () => now,
    });
    expect(rotated.verify(tokenOf(stranger.issue(claim)))).toEqual({
      ok: false,
      code: 'DELIVERY_LINK.BAD_SIGNATURE',
    });
  });

  it('refuses a previous secret shorter than 32 characters', () => {
    expect(
      () => new DeliveryLinks({ secret: SECRET, previousSecrets: ['short'], pageUrl: 'https://p.example' }),
    ).toThrow(/32/);
  });

  it('given any change to the payload, then the signature no longer matches', () => {
    const [payload, mac] = tokenOf(links.issue(claim)).split('.');
    fc.assert(
      fc.property(
        fc.record({ orderId: fc.string({ minLength: 1 }), unitId: fc.string({ minLength: 1 }) }),
        (x) => {
          const forged = Buffer.from(
            JSON.stringify({ ...claim, orderId: `${claim.orderId}${x.orderId}`, unitIds: [x.unitId] }),
          ).toString('base64url');
          fc.pre(forged !== payload);
          expect(links.verify(`${forged}.${mac}`)).toEqual({
            ok: false,
            code: 'DELIVERY_LINK.BAD_SIGNATURE',
          });
        },
      ),
    );
  });

  it.each(['', 'abc', 'a.b.c', '.x', 'x.'])('given the malformed token %p, then it is refused', (token) => {
    expect(links.verify(token).ok).toBe(false);
  });

  it('refuses a secret shorter than 32 characters', () => {
    expect(() => new DeliveryLinks({ secret: 'short', pageUrl: 'https://p.example' })).toThrow(/32/);
  });
});
