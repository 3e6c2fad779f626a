import { Controller, type DynamicModule, Get, HttpCode, Module, Post, Query, Req, Res } from '@nestjs/common';
import { MessagingModule, RAW_BODY_ROUTES } from '@libs/runtime';
import type { Request, Response } from 'express';
import { closeAfterAnswer, readWebhookBody, WEBHOOK_CONTENT_TYPES } from '../inbound/webhook-body';
import { ConnectorConfig } from './connector.config';
import { ConnectorRuntime } from './connector-runtime';
import { CONNECTOR_SPEC, type ConnectorSpec, PLATFORM_CONNECTION } from './connector-spec';

/** The webhook route is the platform's, so the controller is made per connector with that path. */
function webhookController(path: string) {
  @Controller()
  class WebhookController {
    constructor(
      private readonly runtime: ConnectorRuntime,
      private readonly config: ConnectorConfig,
    ) {}

    @Post(path)
    async receive(@Req() req: Request, @Res() res: Response): Promise<void> {
      // No body parser runs on this route (RAW_BODY_ROUTES): the signature covers the bytes as sent, and their
      // size and type are checked here before any are kept.
      const maxBytes = this.config.webhookMaxBodyBytes;
      const read = await readWebhookBody(req, { maxBytes, contentTypes: WEBHOOK_CONTENT_TYPES });
      if (!read.ok) {
        this.runtime.receiver.countRefusedBody(read.status);
        closeAfterAnswer(req, res, maxBytes);
        res.status(read.status).json({ ok: false, code: read.code, message: read.message });
        return;
      }
      const answer = await this.runtime.receiver.handle({
        method: req.method,
        path: req.originalUrl,
        headers: req.headers,
        rawBody: read.body,
      });
      res.status(answer.status).json(answer.body);
    }
  }
  return WebhookController;
}

/** The platform's listed stock, paged, for the reconciler. */
@Controller()
class ListingsController {
  constructor(private readonly runtime: ConnectorRuntime) {}

  @Get('listings')
  async listings(@Query('cursor') cursor?: string, @Query('limit') limit?: string) {
    const pageSize = Math.min(200, Math.max(1, Number(limit ?? 100) || 100));
    return this.runtime.adapter.readListings(cursor || undefined, pageSize);
  }

  /** Reconciliation's retry: queue again the SKUs whose latest target the platform refused. */
  @Post('push-state/retry')
  @HttpCode(200)
  async retryRefused() {
    return { queued: await this.runtime.pusher.requeueUnacknowledged() };
  }
}

@Module({})
export class ChannelConnectorModule {
  static forPlatform(spec: ConnectorSpec): DynamicModule {
    return {
      module: ChannelConnectorModule,
      // The app module imports PlatformModule.forApp with connectorConfig(spec.defaults) among its namespaces.
      imports: [MessagingModule.forRoot()],
      controllers: [webhookController(spec.webhookPath), ListingsController],
      providers: [
        { provide: CONNECTOR_SPEC, useValue: spec },
        { provide: RAW_BODY_ROUTES, useValue: [spec.webhookPath] },
        {
          provide: PLATFORM_CONNECTION,
          useFactory: (config: ConnectorConfig) =>
            config.platformUrl
              ? {
                  baseUrl: config.platformUrl.replace(/\/$/, ''),
                  appKey: config.appKey,
                  appSecret: config.appSecret ?? '',
                }
              : spec.startEmbeddedPlatform(),
          inject: [ConnectorConfig],
        },
        ConnectorRuntime,
      ],
      exports: [ConnectorRuntime],
    };
  }
}
