import {
  channelEventsOf,
  checkNoticeBounds,
  NoticeFormatError,
  readNoticeBody,
  parseMiniprogramNotice,
  parsePinduoduoNotice,
  parseShopNotice,
  parseTaobaoNotice,
  type OrderNotice,
} from '@libs/channels';
import fc from 'fast-check';

const hasUnsafeInteger = (v: unknown): boolean =>
  typeof v === 'number'
    ? Number.isInteger(v) && !Number.isSafeInteger(v)
    : typeof v === 'object' && v !== null && Object.values(v).some(hasUnsafeInteger);

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

    it('dates every event at the notice’s receipt, so a later publish (the inbox relay) decides as on time', () => {
      const events = channelEventsOf(paid, NOW, HOLD);
      expect(new Set(events.map((e) => e.occurredAt))).toEqual(new Set([new Date(NOW).toISOString()]));
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
      ).toThrow(/^orderId must be an identifier/);
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

  describe('identifiers (one rule with the API and the topic schemas)', () => {
    const shop = (orderId: unknown, sku: unknown) => () =>
      parseShopNotice({ type: 'order.paid', orderId, lines: [{ sku, quantity: 1 }] });

    it('refuses a zero-width character in an order id or a SKU with a stable code', () => {
      for (const attempt of [shop('S\u200B9', 'SKU-1'), shop('S9', 'SKU\u200B1'), shop('S9', '\uFEFFSKU')]) {
        expect(attempt).toThrow(expect.objectContaining({ reason: 'IDENTIFIER.FORMAT_CHARACTER' }));
      }
      expect(shop('S\u00009', 'SKU-1')).toThrow(
        expect.objectContaining({ reason: 'IDENTIFIER.CONTROL_CHARACTER' }),
      );
    });

    it('reads fullwidth letters and digits as ASCII', () => {
      expect(shop('Ｓ－９', 'ＳＫＵ－１')()).toMatchObject({
        orderId: 'S-9',
        lines: [{ sku: 'SKU-1', quantity: 1 }],
      });
    });

    it('keeps Chinese SKU codes', () => {
      expect(shop('S9', '点卡-月卡')()).toMatchObject({ lines: [{ sku: '点卡-月卡' }] });
    });
  });

  describe('numeric order ids', () => {
    const tradeText = (tid: string) =>
      `{"topic":"taobao_trade_TradeBuyerPay","content":{"tid":${tid},"status":"WAIT_SELLER_SEND_GOODS",` +
      `"orders":[{"oid":${tid}1,"outer_sku_id":"SKU-1","num":1}]}}`;

    it('keeps every digit of two 19-digit tids, so they stay two orders', () => {
      const a = parseTaobaoNotice(readNoticeBody(Buffer.from(tradeText('3612345678901234567'))));
      const b = parseTaobaoNotice(readNoticeBody(Buffer.from(tradeText('3612345678901234600'))));
      expect(a).toMatchObject({ orderId: '3612345678901234567' });
      expect(b).toMatchObject({ orderId: '3612345678901234600' });
    });

    it('refuses a numeric id that a double cannot hold, rather than rounding it', () => {
      const body = {
        content: {
          tid: JSON.parse('3612345678901234567') as number, // what a plain JSON.parse hands over
          status: 'WAIT_BUYER_PAY',
          orders: [{ outer_sku_id: 'S', num: 1 }],
        },
      };
      expect(() => parseTaobaoNotice(body)).toThrow(
        expect.objectContaining({ reason: 'IDENTIFIER.UNSAFE_NUMBER' }),
      );
      expect(() => parseTaobaoNotice({ content: { ...body.content, tid: 1.5 } })).toThrow(NoticeFormatError);
      expect(parseTaobaoNotice({ content: { ...body.content, tid: 2 ** 53 - 1 } })).toMatchObject({
        orderId: String(2 ** 53 - 1),
      });
    });

    it('reads any JSON without safe numbers exactly as JSON.parse does', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          const text = JSON.stringify(value);
          fc.pre(!hasUnsafeInteger(JSON.parse(text)));
          expect(readNoticeBody(Buffer.from(text))).toEqual(JSON.parse(text));
        }),
      );
    });

    it('keeps the digits of every integer a double cannot hold, wherever it is', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.string(), (n, key) => {
          const text = `{${JSON.stringify(key)}:[${n.toString()},{"id":"x"}]}`;
          const read = readNoticeBody(Buffer.from(text)) as Record<string, unknown[]>;
          const expected = Number.isSafeInteger(Number(n)) ? Number(n) : n.toString();
          expect(read[key][0]).toEqual(expected);
        }),
      );
    });

    it('reads the body as JSON and leaves strings and small numbers alone', () => {
      const text =
        '{"a":"x \\" 12345678901234567890","b":[1,-2,3.5,1e3,12345678901234567890,-12345678901234567890]}';
      expect(readNoticeBody(Buffer.from(text))).toEqual({
        a: 'x " 12345678901234567890',
        b: [1, -2, 3.5, 1000, '12345678901234567890', '-12345678901234567890'],
      });
      expect(() => readNoticeBody(Buffer.from('{"a":'))).toThrow(NoticeFormatError);
      expect(() => readNoticeBody(Buffer.from('{"a":1} x'))).toThrow(NoticeFormatError);
    });
  });

  describe('quantities', () => {
    const shopQty = (quantity: unknown) => () =>
      parseShopNotice({ type: 'order.paid', orderId: 'S9', lines: [{ sku: 'S', quantity }] });

    it('refuses quantities that are not safe whole numbers within the ceiling', () => {
      for (const q of [2 ** 31, 1e300, 3e9, 2 ** 53 + 2, '3000000000', '1e3', '1.0', 1.5, -1, 0, Infinity]) {
        expect(shopQty(q)).toThrow(NoticeFormatError);
      }
      expect(shopQty(2 ** 31)).toThrow(expect.objectContaining({ reason: 'QUANTITY.TOO_LARGE' }));
      expect(shopQty(1e300)).toThrow(expect.objectContaining({ reason: 'QUANTITY.TOO_LARGE' }));
      expect(shopQty('12')()).toMatchObject({ lines: [{ quantity: 12 }] });
    });

    it('applies the configured maximum per line and per order', () => {
      const notice: OrderNotice = {
        channel: 'shop',
        orderId: 'S9',
        status: 'placed',
        lines: [
          { sku: 'A', quantity: 6 },
          { sku: 'B', quantity: 6 },
        ],
      };
      const limits = { maxLineQuantity: 10, maxOrderQuantity: 20 };
      expect(checkNoticeBounds(notice, limits)).toBeUndefined();
      expect(checkNoticeBounds({ ...notice, lines: [{ sku: 'A', quantity: 11 }] }, limits)).toMatchObject({
        reason: 'QUANTITY.OVER_LINE_LIMIT',
      });
      expect(
        checkNoticeBounds({ ...notice, lines: [...notice.lines, { sku: 'C', quantity: 9 }] }, limits),
      ).toMatchObject({ reason: 'QUANTITY.OVER_ORDER_LIMIT' });
      // Two lines of one SKU are one message: their sum is that SKU's line.
      expect(
        checkNoticeBounds(
          {
            ...notice,
            lines: [
              { sku: 'A', quantity: 6 },
              { sku: 'A', quantity: 6 },
            ],
          },
          limits,
        ),
      ).toMatchObject({ reason: 'QUANTITY.OVER_LINE_LIMIT' });
    });
  });

  describe('status and type names', () => {
    it('refuses names of Object.prototype properties as malformed (400), never as a status', () => {
      for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
        expect(() =>
          parseTaobaoNotice({
            content: { tid: 'T1', status: name, orders: [{ outer_sku_id: 'S', num: 1 }] },
          }),
        ).toThrow(NoticeFormatError);
        expect(() =>
          parseShopNotice({ type: name, orderId: 'S9', lines: [{ sku: 'S', quantity: 1 }] }),
        ).toThrow(NoticeFormatError);
        expect(() =>
          parsePinduoduoNotice({
            type: name,
            order_sn: 'P1',
            item_list: [{ outer_id: 'S', goods_count: 1 }],
          }),
        ).toThrow(NoticeFormatError);
        expect(() =>
          parseMiniprogramNotice({
            Event: name,
            order_info: { order_id: 'W1', product_infos: [{ out_sku_id: 'S', sku_cnt: 1 }] },
          }),
        ).toThrow(NoticeFormatError);
      }
    });
  });
});
