import { Controller, Post, Query, Req, Res } from '@nestjs/common';
import { readWebhookBody, WEBHOOK_CONTENT_TYPES } from '@libs/channels';
import { WithoutServiceToken } from '@libs/runtime';
import {
  DEFAULT_CALLBACK_MAX_BODY_BYTES,
  DEFAULT_NOTICE_MAX_BODY_BYTES,
  verifyOrderCallback,
  verifySupplierNotice,
  type SupplierInboundRequest,
} from '@libs/suppliers';
import type { Request, Response } from 'express';
import { CALLBACKS_PATH, NOTICES_PATH, SupplierConnectorRuntime } from './supplier-connector.runtime';

/**
 * What suppliers post to us: stock and price notices, and the final answer of an order they first answered
 * `pending`. A supplier holds no service token: the signature (its secret from SUPPLIERS, the house webhook
 * signature over the bytes as sent) is the authentication, checked before any field is read.
 */
@Controller()
@WithoutServiceToken()
export class SupplierInboundController {
  constructor(private readonly runtime: SupplierConnectorRuntime) {}

  @Post(NOTICES_PATH)
  async notices(
    @Query('supplier') supplierId: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const read = await this.read(supplierId, req, res, DEFAULT_NOTICE_MAX_BODY_BYTES);
    if (!read) return;
    const check = verifySupplierNotice(read.request, { secrets: [read.secret] });
    if (!check.ok) {
      this.runtime.metrics.inbound.inc({ supplier: supplierId, kind: 'notice', result: 'refused' });
      res
        .status(check.status)
        .json({ ok: false, code: check.code, reason: check.reason, message: check.message });
      return;
    }
    // Sent on before the answer: a failure answers 503 and the supplier posts the notices again.
    try {
      const sent = await this.runtime.watcher.onNotices(supplierId, check.notices);
      this.runtime.metrics.inbound.inc({ supplier: supplierId, kind: 'notice', result: 'accepted' });
      res.status(200).json({ ok: true, notices: check.notices.length, reports: sent });
    } catch {
      res.status(503).json({ ok: false, code: 'SUPPLIER.UNAVAILABLE', message: 'try again' });
    }
  }

  @Post(CALLBACKS_PATH)
  async callbacks(
    @Query('supplier') supplierId: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const read = await this.read(supplierId, req, res, DEFAULT_CALLBACK_MAX_BODY_BYTES);
    if (!read) return;
    const check = verifyOrderCallback(read.request, { secrets: [read.secret] });
    if (!check.ok) {
      this.runtime.metrics.inbound.inc({ supplier: supplierId, kind: 'callback', result: 'refused' });
      res
        .status(check.status)
        .json({ ok: false, code: check.code, reason: check.reason, message: check.message });
      return;
    }
    const order = check.order;
    const row = await this.runtime.store.bySupplierOrderId(supplierId, order.orderId);
    if (row === null) {
      res
        .status(404)
        .json({ ok: false, code: 'SUPPLIER.ORDER_UNKNOWN', message: 'no such order was placed' });
      return;
    }
    // An order the inventory was told about already: only a fulfilment of one given up still matters (surplus).
    const late = row.status === 'answered';
    if (!late || (order.status === 'fulfilled' && row.outcome !== 'fulfilled')) {
      try {
        await this.runtime.forwarder.settle(
          row,
          order.status === 'fulfilled'
            ? { outcome: 'fulfilled', order }
            : {
                outcome: 'refused',
                code: order.reason ?? 'SUPPLIER.FULFILMENT_FAILED',
                settled: true,
                message: order.message ?? 'refused',
                order,
              },
        );
      } catch {
        res.status(503).json({ ok: false, code: 'SUPPLIER.UNAVAILABLE', message: 'try again' });
        return;
      }
    }
    this.runtime.metrics.inbound.inc({ supplier: supplierId, kind: 'callback', result: 'accepted' });
    res.status(200).json({ ok: true });
  }

  /** The supplier named and the body read within its bound; answered here (and undefined) when not. */
  private async read(
    supplierId: string,
    req: Request,
    res: Response,
    maxBytes: number,
  ): Promise<{ request: SupplierInboundRequest; secret: string } | undefined> {
    const supplier = typeof supplierId === 'string' ? this.runtime.supplier(supplierId) : undefined;
    if (!supplier) {
      res
        .status(404)
        .json({ ok: false, code: 'SUPPLIER.UNKNOWN', message: 'no such supplier is configured' });
      return undefined;
    }
    const read = await readWebhookBody(req, { maxBytes, contentTypes: WEBHOOK_CONTENT_TYPES });
    if (!read.ok) {
      res.status(read.status).json({ ok: false, code: read.code, message: read.message });
      return undefined;
    }
    return {
      secret: supplier.secret,
      request: { method: req.method, path: req.originalUrl, headers: req.headers, rawBody: read.body },
    };
  }
}
