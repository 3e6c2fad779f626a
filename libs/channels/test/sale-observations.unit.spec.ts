import {
  channelEventsOf,
  NoticeFormatError,
  observedYuan,
  parseMiniprogramNotice,
  parsePinduoduoNotice,
  parseShopNotice,
  parseTaobaoNotice,
  type OrderNotice,
} from '@libs/channels';
import { ChannelEventsTopic, encodeMessage } from '@libs/messaging';
import fc from 'fast-check';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const HOLD = 15 * 60_000;

describe('sale observations in order notices', () => {
  it('reads the shop contract’s buyer, shop, line prices (fen) and top-up account', () => {
    const notice = parseShopNotice({
      type: 'order.paid',
      orderId: 'S1',
      lines: [{ sku: 'A', quantity: 1, unitPrice: 990 }],
      buyer: { ref: 'u-42', level: 'vip', province: '浙江省', city: '杭州市', ip: '198.51.100.7' },
      shop: 'fz-3',
      topUp: { account: '13800138000', region: 'mobile' },
    }) as OrderNotice;
    expect(notice.lines).toEqual([{ sku: 'A', quantity: 1, unitPrice: 990 }]);
    expect(notice.sale).toEqual({
      buyerRef: 'u-42',
      buyerLevel: 'vip',
      province: '浙江省',
      city: '杭州市',
      ip: '198.51.100.7',
      shop: 'fz-3',
    });
    expect(notice.topUp).toEqual({ account: '13800138000', region: 'mobile' });
  });

  it('reads Taobao’s receiver region, buyer_open_uid, seller_nick and yuan prices', () => {
    const notice = parseTaobaoNotice({
      topic: 'taobao_trade_TradeBuyerPay',
      content: {
        tid: 77,
        status: 'WAIT_SELLER_SEND_GOODS',
        receiver_state: '广东省',
        receiver_city: '深圳市',
        buyer_open_uid: 'AAEx9',
        seller_nick: 'cardshop',
        orders: [{ outer_sku_id: 'A', num: 2, price: '12.50' }],
      },
    }) as OrderNotice;
    expect(notice.lines).toEqual([{ sku: 'A', quantity: 2, unitPrice: 1250 }]);
    expect(notice.sale).toEqual({ province: '广东省', city: '深圳市', buyerRef: 'AAEx9', shop: 'cardshop' });
  });

  it('reads PDD’s province, city and goods_price, and WeChat’s address, openid and sale_price (fen)', () => {
    const pdd = parsePinduoduoNotice({
      type: 'pdd_trade_TradeBuyerPay',
      order_sn: '231130-1',
      province: '四川省',
      city: '成都市',
      item_list: [{ outer_id: 'A', goods_count: 1, goods_price: 0.29 }],
    }) as OrderNotice;
    expect(pdd.lines[0]?.unitPrice).toBe(29);
    expect(pdd.sale).toEqual({ province: '四川省', city: '成都市' });
    const wechat = parseMiniprogramNotice({
      Event: 'open_product_order_pay',
      order_info: {
        order_id: 9,
        openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
        address_info: { province_name: '北京市', city_name: '北京市' },
        product_infos: [{ out_sku_id: 'A', sku_cnt: 1, sale_price: 1990 }],
      },
    }) as OrderNotice;
    expect(wechat.lines[0]?.unitPrice).toBe(1990);
    expect(wechat.sale).toEqual({
      province: '北京市',
      city: '北京市',
      buyerRef: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    });
  });

  it('leaves out an observation it cannot read, never the order', () => {
    const notice = parseShopNotice({
      type: 'order.placed',
      orderId: 'S2',
      lines: [{ sku: 'A', quantity: 1, unitPrice: -5 }],
      buyer: { ref: 'has space', ip: 'not-an-ip', province: 'x'.repeat(33), city: '\u200b' },
      shop: ['not', 'text'],
    }) as OrderNotice;
    expect(notice.lines).toEqual([{ sku: 'A', quantity: 1 }]);
    expect(notice.sale).toBeUndefined();
  });

  it('refuses a top-up account it cannot read (400): forwarding it would credit no one', () => {
    const body = (topUp: unknown) => ({
      type: 'order.paid',
      orderId: 'S3',
      lines: [{ sku: 'A', quantity: 1 }],
      topUp,
    });
    expect(() => parseShopNotice(body({ account: 'has space' }))).toThrow(NoticeFormatError);
    expect(() => parseShopNotice(body({ account: 'a'.repeat(65) }))).toThrow(NoticeFormatError);
    expect(() => parseShopNotice(body({ server: 'x' }))).toThrow(NoticeFormatError);
    expect(() => parseShopNotice(body('13800138000'))).toThrow(NoticeFormatError);
  });

  it('carries the observation on each SKU’s placement, at the lowest price of the SKU’s lines', () => {
    const events = channelEventsOf(
      {
        channel: 'shop',
        orderId: 'S4',
        status: 'paid',
        lines: [
          { sku: 'A', quantity: 1, unitPrice: 900 },
          { sku: 'A', quantity: 1, unitPrice: 800 },
          { sku: 'B', quantity: 1 },
        ],
        sale: { province: '江苏省', shop: 'fz-1' },
        topUp: { account: '13900000000' },
      },
      NOW,
      HOLD,
    );
    const placed = events.filter((e) => e.type === 'order.placed').map((e) => e.payload);
    expect(placed).toMatchObject([
      {
        sku: 'A',
        sale: { unitPrice: 800, province: '江苏省', shop: 'fz-1' },
        topUp: { account: '13900000000' },
      },
      { sku: 'B', sale: { province: '江苏省', shop: 'fz-1' } },
    ]);
    // What the connector reads always passes the topic's schema: an observation never sends an order to dead letters.
    for (const event of events) expect(() => encodeMessage(ChannelEventsTopic, event, 'test')).not.toThrow();
  });

  it('turns yuan into fen by its digits, never through a float product', () => {
    expect(observedYuan('0.29')).toBe(29);
    expect(observedYuan(1.1)).toBe(110);
    expect(observedYuan('12')).toBe(1200);
    expect(observedYuan('1.005')).toBeUndefined();
    expect(observedYuan('-1')).toBeUndefined();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999_99 }), (fen) => {
        const text = `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
        expect(observedYuan(text)).toBe(fen);
      }),
    );
  });
});
