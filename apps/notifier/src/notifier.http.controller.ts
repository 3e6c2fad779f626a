import {
  BadGatewayException,
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { AlertmanagerErrorCodes, fromAlertmanager, Notifier, ReceiverError } from '@libs/notifier';
import { NotifierLifecycle } from './notifier.providers';

/** Every route here needs the service token (ServiceTokenGuard, app-wide). */
@Controller('v1')
export class NotifierHttpController {
  constructor(
    private readonly notifier: Notifier,
    private readonly lifecycle: NotifierLifecycle,
  ) {}

  /**
   * Alertmanager's webhook (deploy/alertmanager/alertmanager.yml): Prometheus alerts become PROMETHEUS alerts and
   * go through the same deduplication, quiet hours and routing as the others.
   */
  @Post('alertmanager')
  @HttpCode(200)
  async alertmanager(@Body() body: unknown) {
    const events = fromAlertmanager(body);
    if (!events)
      throw new BadRequestException({
        code: AlertmanagerErrorCodes.BAD_BODY,
        message:
          "not Alertmanager's webhook body (version 4): alerts[] with status, labels, startsAt, fingerprint",
      });
    const queued = await this.notifier.record(events);
    if (queued > 0) this.lifecycle.dispatchSoon();
    return { alerts: events.length, queued };
  }

  /** Sends a test message to one receiver now (quiet hours do not apply) and answers with what it said. */
  @Post('receivers/:name/test')
  @HttpCode(200)
  async test(@Param('name') name: string) {
    try {
      if (!(await this.notifier.sendTest(name)))
        throw new NotFoundException({
          code: 'NOTIFIER.RECEIVER_NOT_CONFIGURED',
          message: `no receiver ${JSON.stringify(name.slice(0, 40))} is configured (configured: ${this.notifier.receiverNames.join(', ') || 'none'})`,
        });
      return { receiver: name, result: 'sent' };
    } catch (err) {
      if (err instanceof ReceiverError)
        throw new BadGatewayException({ code: err.code, message: err.message, retryable: err.retryable });
      throw err;
    }
  }
}
