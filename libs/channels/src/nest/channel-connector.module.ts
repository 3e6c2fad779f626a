import {
  BadRequestException,
  Body,
  Controller,
  type DynamicModule,
  Get,
  HttpCode,
  Inject,
  Module,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  MessagingModule,
  PG_POOL,
  RAW_BODY_ROUTES,
  RawBodyRoutes,
  ServiceTokenGuard,
  WithoutServiceToken,
} from '@libs/runtime';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import { closeAfterAnswer, readWebhookBody, WEBHOOK_CONTENT_TYPES } from '../inbound/webhook-body';
import { DELIVERY_PAGE_HEADERS } from '../fulfilment/delivery-page';
import { ConnectorConfig } from './connector.config';
import { connectorConsumers } from './connector-consumers';
import { ConnectorRuntime } from './connector-runtime';
import { applyCorrections, parseCorrections } from './corrections';
import { CONNECTOR_SPEC, type ConnectorSpec, PLATFORM_CONNECTION } from './connector-spec';

/**
 * The webhook route is the platform's, so the controller is made per connector with that path. The platform
 * cannot hold our service token: the route is authenticated by the notice's signature instead.
 */
function webhookController(path: string) {
  @Controller()
  @WithoutServiceToken()
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

/**
 * Operations routes, for the reconciler (and operators): every one needs the service token (ServiceTokenGuard is
 * the app's global guard). They are the only way to the platform besides the connector's own push path.
 */
@Controller()
class OperationsController {
  constructor(
    private readonly runtime: ConnectorRuntime,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /** The platform's listed stock, paged; each page read spends a call of the push path's rate budget. */
  @Get('listings')
  async listings(@Query('cursor') cursor?: string, @Query('limit') limit?: string) {
    const pageSize = Math.min(200, Math.max(1, Number(limit ?? 100) || 100));
    await this.runtime.pusher.spendCall();
    return this.runtime.adapter.readListings(cursor || undefined, pageSize);
  }

  /** Queue again the SKUs whose latest target the platform refused. */
  @Post('push-state/retry')
  @HttpCode(200)
  async retryRefused() {
    return { queued: await this.runtime.pusher.requeueUnacknowledged() };
  }

  /**
   * Reconciliation's corrections: listings that drifted from their target are re-pushed through this connector's
   * queue (versions, rate limit, circuit breaker, push state), so the platform has one writer. Optionally waits
   * up to `waitMs` for the platform's answers.
   */
  @Post('corrections')
  @HttpCode(200)
  async corrections(@Body() body: unknown) {
    const request = parseCorrections(body);
    if (!request.ok) throw new BadRequestException({ code: 'CORRECTIONS.INVALID', message: request.message });
    return {
      results: await applyCorrections(this.runtime.pusher, this.pool, request.targets, request.waitMs),
    };
  }
}

/**
 * The buyer's delivery page behind a marketplace delivery link. The buyer holds no service token: the link's
 * HMAC, expiry, view count and the vault's order binding are the authentication (DeliveryPage).
 */
@Controller()
@WithoutServiceToken()
class DeliveryPageController {
  constructor(private readonly runtime: ConnectorRuntime) {}

  @Get('deliveries/:token')
  async open(@Param('token') token: string, @Res() res: Response): Promise<void> {
    res.set(DELIVERY_PAGE_HEADERS);
    const page = this.runtime.deliveryPage;
    if (!page) {
      res.status(404).send('<!doctype html><p>Not found.</p>');
      return;
    }
    const answer = await page.open(token);
    res.status(answer.status).send(answer.html);
  }
}

@Module({})
export class ChannelConnectorModule {
  static forPlatform(spec: ConnectorSpec): DynamicModule {
    return {
      module: ChannelConnectorModule,
      // The app module imports PlatformModule.forApp with connectorConfig(spec.defaults) among its namespaces.
      imports: [MessagingModule.forRoot()],
      controllers: [
        webhookController(spec.webhookPath),
        OperationsController,
        // Only where the platform gets a link instead of the key: the shop's site shows its own buyers their keys.
        ...(spec.defaults.deliversByLink ? [DeliveryPageController] : []),
        // Its consumers: @EventPattern handlers on the message bus transport (startApp connects it).
        ...connectorConsumers(spec),
      ],
      providers: [
        { provide: CONNECTOR_SPEC, useValue: spec },
        {
          provide: RAW_BODY_ROUTES,
          inject: [RawBodyRoutes],
          useFactory: (routes: RawBodyRoutes) => routes.add(spec.webhookPath),
        },
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
        // Default deny: every route but the signed webhook, /health and /metrics needs the service token.
        { provide: APP_GUARD, useClass: ServiceTokenGuard },
      ],
      exports: [ConnectorRuntime],
    };
  }
}
