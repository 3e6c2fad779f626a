import { AfterSalesTopic, type MessageBatch, RetryableHandlerError } from '@libs/messaging';
import type { Logger } from 'pino';
import type { PlatformAdapter } from './platform-adapter';
import { PlatformCallError } from './platform-errors';

/**
 * The connector's half of an after-sales answer: the API decided it on a ticket and published
 * `after-sales.answered`; only the connector calls its platform. A transient failure (timeout, 5xx, throttling)
 * retries the batch; a refusal by the platform (the case was closed there already, say) is logged and skipped,
 * since sending it again would be refused again. A channel whose adapter has no answer call logs that the answer
 * is to be given in the platform's seller console.
 */
export function afterSalesAnswerHandler(
  adapter: PlatformAdapter,
  logger: Pick<Logger, 'info' | 'warn' | 'error'>,
): (batch: MessageBatch<typeof AfterSalesTopic>) => Promise<void> {
  return async (batch) => {
    for (const { envelope } of batch.messages) {
      if (envelope.type !== 'after-sales.answered' || envelope.payload.channel !== adapter.channel) continue;
      const p = envelope.payload;
      const context = {
        channel: p.channel,
        caseId: p.platformCaseId,
        ticketId: p.ticketId,
        answer: p.answer,
      };
      if (!adapter.answerAfterSales) {
        logger.warn(
          context,
          'this platform has no after-sales answer call here: answer the case in its seller console',
        );
        continue;
      }
      try {
        await adapter.answerAfterSales({
          channelOrderId: p.channelOrderId,
          platformCaseId: p.platformCaseId,
          answer: p.answer,
          note: p.note,
        });
        logger.info(context, 'after-sales answer sent');
      } catch (err) {
        if (err instanceof PlatformCallError && !err.retryable) {
          logger.error(
            { ...context, code: err.code, err: err.message },
            'the platform refused the after-sales answer',
          );
          continue;
        }
        throw new RetryableHandlerError('after-sales answer not sent', { cause: err });
      }
    }
  };
}
