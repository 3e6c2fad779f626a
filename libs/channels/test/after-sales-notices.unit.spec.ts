import { AfterSalesTopic, encodeMessage, MAX_AFTER_SALES_TEXT } from '@libs/messaging';
import { afterSalesMessageOf, type AfterSalesNotice } from '../src/inbound/after-sales-notice';
import { NoticeFormatError } from '../src/inbound/order-notice';
import { parseShopNotice } from '../src/platforms/shop';

const reasonOf = (body: unknown): string | undefined => {
  try {
    parseShopNotice(body);
    return undefined;
  } catch (err) {
    return err instanceof NoticeFormatError ? err.reason : 'not a NoticeFormatError';
  }
};

describe('shop after-sales notices', () => {
  const body = {
    type: 'after-sales.requested',
    orderId: 'SHOP-1',
    caseId: 'CASE-1',
    sku: 'GAME-1',
    reason: 'invalid key',
    description: 'the key says already redeemed',
  };

  it('reads a case: order, case id, SKU, the reason as a code, the description as the summary', () => {
    expect(parseShopNotice(body)).toEqual({
      afterSales: {
        orderId: 'SHOP-1',
        caseId: 'CASE-1',
        sku: 'GAME-1',
        reasonCode: 'INVALID_KEY',
        summary: 'the key says already redeemed',
      },
    });
    expect(parseShopNotice({ ...body, sku: undefined, description: undefined })).toMatchObject({
      afterSales: { sku: undefined, summary: '' },
    });
  });

  it('refuses a case without an order or case id, or with a reason that is not a code', () => {
    expect(reasonOf({ ...body, caseId: undefined })).toBe('IDENTIFIER.NOT_A_STRING');
    expect(reasonOf({ ...body, orderId: 'a\u200Bb' })).toBe('IDENTIFIER.FORMAT_CHARACTER');
    expect(reasonOf({ ...body, reason: 'refund!' })).toBe('NOTICE.INVALID_REASON');
    expect(reasonOf({ ...body, reason: 'R'.repeat(65) })).toBe('NOTICE.INVALID_REASON');
    expect(reasonOf({ ...body, reason: 42 })).toBe('NOTICE.MALFORMED');
  });

  it('cuts a long description to the bound the topic and the ticket share', () => {
    const parsed = parseShopNotice({ ...body, description: 'x'.repeat(10_000) }) as AfterSalesNotice;
    expect(parsed.afterSales.summary).toHaveLength(MAX_AFTER_SALES_TEXT);
  });

  it('gives every copy of a case the same message id, and the message passes the topic schema', () => {
    const notice = parseShopNotice(body) as AfterSalesNotice;
    const first = afterSalesMessageOf('shop', notice, Date.parse('2026-11-30T10:00:00Z'));
    const again = afterSalesMessageOf('shop', notice, Date.parse('2026-11-30T10:05:00Z'));
    expect(first.eventId).toBe(again.eventId);
    expect(afterSalesMessageOf('substation-2', notice, 0).eventId).not.toBe(first.eventId);
    expect(() => encodeMessage(AfterSalesTopic, first, 'connector-shop')).not.toThrow();
    expect(first.payload).toEqual({
      channel: 'shop',
      channelOrderId: 'SHOP-1',
      platformCaseId: 'CASE-1',
      sku: 'GAME-1',
      reasonCode: 'INVALID_KEY',
      summary: 'the key says already redeemed',
    });
  });
});
