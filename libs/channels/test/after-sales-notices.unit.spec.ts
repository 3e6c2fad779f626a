import { AfterSalesTopic, encodeMessage, MAX_AFTER_SALES_TEXT } from '@libs/messaging';
import { afterSalesMessageOf, type AfterSalesNotice } from '../src/inbound/after-sales-notice';
import { NoticeFormatError } from '../src/inbound/order-notice';
import { parsePinduoduoNotice } from '../src/platforms/pinduoduo';
import { parseShopNotice } from '../src/platforms/shop';
import { parseTaobaoNotice } from '../src/platforms/taobao';

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

describe('marketplace refund messages', () => {
  it('reads a Taobao refund request (taobao_refund_RefundCreated) as a case of its refund id', () => {
    expect(
      parseTaobaoNotice({
        topic: 'taobao_refund_RefundCreated',
        content: {
          tid: '4123456789012345678',
          refund_id: '170000001',
          refund_fee: '19.90',
          refund_phase: 'aftersale',
        },
      }),
    ).toEqual({
      afterSales: {
        orderId: '4123456789012345678',
        caseId: '170000001',
        reasonCode: 'REFUND_REQUESTED',
        summary: 'Taobao refund 170000001 requested, refund_fee 19.90 (aftersale)',
      },
    });
    // A trade message is read as before.
    expect(
      parseTaobaoNotice({
        topic: 'taobao_trade_TradeBuyerPay',
        content: { tid: '1', status: 'WAIT_SELLER_SEND_GOODS', orders: [{ outer_sku_id: 'S1', num: 1 }] },
      }),
    ).toMatchObject({ status: 'paid' });
  });

  it('reads a Pinduoduo after-sales order (pdd_refund_RefundCreated) as a case of its after-sales id', () => {
    expect(
      parsePinduoduoNotice({
        type: 'pdd_refund_RefundCreated',
        tid: '210707-339507978993455',
        refund_id: 7381745730,
        refund_fee: 1990,
      }),
    ).toEqual({
      afterSales: {
        orderId: '210707-339507978993455',
        caseId: '7381745730',
        reasonCode: 'REFUND_REQUESTED',
        summary: 'Pinduoduo after-sales 7381745730 created, refund_fee 1990 fen',
      },
    });
  });

  it('refuses a refund message without its ids', () => {
    expect(
      reasonOfOther(() => parseTaobaoNotice({ topic: 'taobao_refund_RefundCreated', content: { tid: '1' } })),
    ).toBe('IDENTIFIER.NOT_A_STRING');
    expect(
      reasonOfOther(() => parsePinduoduoNotice({ type: 'pdd_refund_RefundCreated', refund_id: '1' })),
    ).toBe('IDENTIFIER.NOT_A_STRING');
  });
});

function reasonOfOther(parse: () => unknown): string | undefined {
  try {
    parse();
    return undefined;
  } catch (err) {
    return err instanceof NoticeFormatError ? err.reason : 'not a NoticeFormatError';
  }
}
