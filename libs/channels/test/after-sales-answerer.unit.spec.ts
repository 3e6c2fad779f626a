import { AfterSalesTopic, type MessageBatch, RetryableHandlerError } from '@libs/messaging';
import { afterSalesAnswerHandler } from '../src/outbound/after-sales-answerer';
import type { AfterSalesAnswerCall, PlatformAdapter } from '../src/outbound/platform-adapter';
import { PlatformCallError } from '../src/outbound/platform-errors';

function batch(...caseIds: string[]): MessageBatch<typeof AfterSalesTopic> {
  return {
    topic: AfterSalesTopic,
    topicName: AfterSalesTopic.name,
    partition: 0,
    groupId: 'connector-shop-after-sales',
    messages: caseIds.map((caseId, i) => ({
      key: 'shop:o-1',
      partition: 0,
      offset: String(i),
      timestamp: '0',
      headers: {},
      envelope: {
        eventId: `e-${caseId}`,
        type: 'after-sales.answered',
        schemaVersion: 1,
        source: 'api',
        occurredAt: '2026-11-30T12:00:00.000Z',
        correlationId: `e-${caseId}`,
        payload: {
          channel: 'shop',
          channelOrderId: 'o-1',
          platformCaseId: caseId,
          ticketId: 't-1',
          answer: 'refused',
          note: 'redeemed by the buyer',
          actor: 'operator-olga',
        },
      },
    })),
  };
}

function logger() {
  const lines: string[] = [];
  const log = (msg: string) => void lines.push(msg);
  return {
    lines,
    log: {
      info: (_: unknown, msg: string) => log(`info ${msg}`),
      warn: (_: unknown, msg: string) => log(`warn ${msg}`),
      error: (_: unknown, msg: string) => log(`error ${msg}`),
    } as never,
  };
}

const adapter = (answer?: (call: AfterSalesAnswerCall) => Promise<void>) =>
  ({ channel: 'shop', answerAfterSales: answer }) as unknown as PlatformAdapter;

describe('the connector sending after-sales answers', () => {
  it('sends each answer of its channel and logs it', async () => {
    const sent: string[] = [];
    const l = logger();
    await afterSalesAnswerHandler(
      adapter(async (c) => void sent.push(`${c.platformCaseId}:${c.answer}`)),
      l.log,
    )(batch('c1', 'c2'));
    expect(sent).toEqual(['c1:refused', 'c2:refused']);
    expect(l.lines).toEqual(['info after-sales answer sent', 'info after-sales answer sent']);
  });

  it('skips, with an error in the log, an answer the platform refuses for good, and goes on', async () => {
    const l = logger();
    const sent: string[] = [];
    await afterSalesAnswerHandler(
      adapter(async (c) => {
        if (c.platformCaseId === 'closed')
          throw new PlatformCallError('SHOP.CASE_ALREADY_ANSWERED', 'no', false);
        sent.push(c.platformCaseId);
      }),
      l.log,
    )(batch('closed', 'c2'));
    expect(sent).toEqual(['c2']);
    expect(l.lines[0]).toBe('error the platform refused the after-sales answer');
  });

  it('retries the batch when the platform is away (timeout, 429, 5xx)', async () => {
    const handle = afterSalesAnswerHandler(
      adapter(async () => {
        throw new PlatformCallError('HTTP_503', 'down', true);
      }),
      logger().log,
    );
    await expect(handle(batch('c1'))).rejects.toBeInstanceOf(RetryableHandlerError);
  });

  it('says where to answer when the adapter has no answer call', async () => {
    const l = logger();
    await afterSalesAnswerHandler(adapter(undefined), l.log)(batch('c1'));
    expect(l.lines).toEqual([
      'warn this platform has no after-sales answer call here: answer the case in its seller console',
    ]);
  });
});
