import {
  channelEventsOf,
  NoticeFormatError,
  parseMiniprogramNotice,
  parsePinduoduoNotice,
  parseShopNotice,
  parseTaobaoNotice,
  type OrderNotice,
} from '@libs/channels';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const HOLD = 15 * 60_000;

describe('order notices', () => {
  describe('translated into channel events', () => {
    const paid: OrderNotice = {
      channel: 'taobao',
      orderId: 'T1',
      status: 'paid',
      lines: [
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 2 },
        { sku: 'A', quantity: 1 },
      ],
    };

    it('gives one placement and one payment per SKU, with ids that depend only on the fact', () => {
      const events = channelEventsOf(paid, NOW, HOLD);
      expect(events.map((e) => `${e.type}:${e.payload.sku}`)).toEqual([
        'order.placed:A',
        'order.placed:B',
        'order.paid:A',
        'order.paid:B',
      ]);
      expect(events[0].payload).toMatchObject({
        lines: [{ quantity: 1 }, { quantity: 1 }],
        expiresAt: '2026-06-01T12:15:00.000Z',
      });
      const again = channelEventsOf(paid, NOW + 60_000, HOLD);
      expect(again.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
    });

    it('gives a payment’s placement the id the placement notice itself gets', () => {
      const placed = channelEventsOf({ ...paid, status: 'placed' }, NOW, HOLD);
      const fromPayment = channelEventsOf(paid, NOW, HOLD).filter((e) => e.type === 'order.placed');
      expect(fromPayment.map((e) => e.eventId)).toEqual(placed.map((e) => e.eventId));
    });

    it('gives different ids to other orders, statuses and channels', () => {
      const ids = new Set(
        [
          paid,
          { ...paid, orderId: 'T2' },
          { ...paid, status: 'cancelled' as const },
          { ...paid, channel: 'pinduoduo' },
        ].flatMap((n) => channelEventsOf(n, NOW, HOLD).map((e) => e.eventId)),
      );
      // Four events for each paid notice (two SKUs placed and paid), two for the cancellation.
      expect(ids.size).toBe(14);
    });
  });

  describe('read from each platform’s format', () => {
    it('Taobao trade messages', () => {
      const body = {
        topic: 'taobao_trade_TradeBuyerPay',
        content: {
          tid: 123456789,
          status: 'WAIT_SELLER_SEND_GOODS',
          orders: [{ outer_sku_id: 'SKU-1', num: 2 }],
        },
      };
      expect(parseTaobaoNotice(body)).toEqual({
        channel: 'taobao',
        orderId: '123456789',
        status: 'paid',
        lines: [{ sku: 'SKU-1', quantity: 2 }],
        expiresAt: undefined,
      });
      expect(parseTaobaoNotice({ content: { ...body.content, status: 'WAIT_BUYER_CONFIRM_GOODS' } })).toEqual(
        { ignored: 'status WAIT_BUYER_CONFIRM_GOODS' },
      );
    });

    it('PDD, WeChat and shop messages', () => {
      expect(
        parsePinduoduoNotice({
          type: 'pdd_trade_TradeClose',
          order_sn: '240601-1',
          item_list: [{ outer_id: 'S', goods_count: 1 }],
        }),
      ).toMatchObject({ status: 'cancelled', orderId: '240601-1' });
      expect(
        parseMiniprogramNotice({
          Event: 'open_product_order_new',
          order_info: {
            order_id: 'W1',
            product_infos: [{ out_sku_id: 'S', sku_cnt: 3 }],
            pay_deadline: '2026-06-01T12:10:00+08:00',
          },
        }),
      ).toEqual({
        channel: 'miniprogram',
        orderId: 'W1',
        status: 'placed',
        lines: [{ sku: 'S', quantity: 3 }],
        expiresAt: '2026-06-01T04:10:00.000Z',
      });
      expect(
        parseShopNotice({ type: 'order.paid', orderId: 'S-9', lines: [{ sku: 'S', quantity: 1 }] }),
      ).toMatchObject({ status: 'paid' });
      expect(parseShopNotice({ type: 'order.refunded', orderId: 'S-9', lines: [] })).toEqual({
        ignored: 'type order.refunded',
      });
    });

    it('names the field that is wrong', () => {
      expect(() =>
        parseShopNotice({ type: 'order.paid', orderId: 'S 9', lines: [{ sku: 'S', quantity: 1 }] }),
      ).toThrow(new NoticeFormatError('orderId must be an identifier'));
      expect(() =>
        parseShopNotice({ type: 'order.paid', orderId: 'S9', lines: [{ sku: 'S', quantity: 0 }] }),
      ).toThrow(/lines\[0\]\.quantity/);
      expect(() => parseShopNotice({ type: 'order.paid', orderId: 'S9', lines: [] })).toThrow(
        /lines must be a list/,
      );
      expect(() =>
        parseShopNotice({
          type: 'order.placed',
          orderId: 'S9',
          lines: [{ sku: 'S', quantity: 1 }],
          expiresAt: '2026-06-01 12:00',
        }),
      ).toThrow(/expiresAt/);
    });
  });
});
