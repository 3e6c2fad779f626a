import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LOGGER } from '@libs/observability';
import type { Logger } from 'pino';
import type { Principal } from '../auth/api-key';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Authenticated, Roles } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { isClosed, type Ticket, type TicketRefusalCode } from './ticket';
import { TicketAnswers } from './ticket-answers';
import {
  ListTicketsQuery,
  OpenTicketDto,
  TicketEventDto,
  TicketIdParams,
  TicketOrderParams,
} from './tickets.dto';
import {
  decodeCursor,
  type TicketChange,
  type TicketEventRow,
  TicketRefusedError,
  TicketsRepository,
} from './tickets.repository';

const REFUSAL_STATUS: Record<TicketRefusalCode, HttpStatus> = {
  'TICKET.NOT_FOUND': HttpStatus.NOT_FOUND,
  'TICKET.ALREADY_EXISTS': HttpStatus.CONFLICT,
  'TICKET.CLOSED': HttpStatus.CONFLICT,
  'TICKET.INVALID_TRANSITION': HttpStatus.CONFLICT,
  'TICKET.RESOLUTION_REQUIRED': HttpStatus.BAD_REQUEST,
};

/** The decider's refusal as an answer with its stable code (404, 409 or 400). */
export function ticketApiError(err: unknown): unknown {
  if (!(err instanceof TicketRefusedError)) return err;
  const { code, message } = err.refusal;
  // ApiErrorCode lists the API's own families; TICKET.* is this module's, rendered verbatim by the filter.
  return new ApiError(REFUSAL_STATUS[code], code, message);
}

/** Opening a ticket on an order: order-operator, inventory-admin and admin. */
@ApiTags('tickets')
@Authenticated()
@Controller('v1/orders/:channel/:channelOrderId/tickets')
export class OrderTicketsHttpController {
  constructor(private readonly tickets: TicketsRepository) {}

  @Post()
  @Roles('order-operator', 'inventory-admin')
  @ApiOperation({ summary: 'Open an after-sales ticket on an order (state open), with who opened it' })
  async open(
    @Param() { channel, channelOrderId }: TicketOrderParams,
    @Body() body: OpenTicketDto,
    @CurrentPrincipal() caller: Principal,
  ) {
    const { ticket } = await this.tickets.open({
      channel,
      channelOrderId,
      sku: body.sku,
      source: 'operator',
      reasonCode: body.reason,
      summary: body.summary,
      actor: caller.name,
    });
    return ticketBody(ticket);
  }
}

/** Tickets by state and age, one ticket with its events, and its moves and linked actions. */
@ApiTags('tickets')
@Authenticated()
@Controller('v1/tickets')
export class TicketsHttpController {
  constructor(
    private readonly tickets: TicketsRepository,
    private readonly answers: TicketAnswers,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Tickets by state, channel and age, oldest first; `olderThanMinutes` finds the ones waiting too long. Paged by `cursor`',
  })
  async list(@Query() query: ListTicketsQuery) {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !after) throw ApiError.validation('cursor is not one this API gave');
    const page = await this.tickets.list({
      state: query.state,
      channel: query.channel,
      olderThanMinutes: query.olderThanMinutes,
      limit: query.limit ?? 100,
      after,
    });
    return { items: page.items.map(ticketBody), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One ticket with every event: opened, moves, notes and linked actions, with actors',
  })
  @ApiOkResponse({ description: 'TICKET.NOT_FOUND (404) for an unknown id' })
  async show(@Param() { id }: TicketIdParams) {
    const found = await this.tickets.get(id);
    if (!found)
      throw ticketApiError(new TicketRefusedError({ code: 'TICKET.NOT_FOUND', message: `no ticket ${id}` }));
    return { ...ticketBody(found.ticket), events: found.events.map(eventBody) };
  }

  @Post(':id/events')
  @HttpCode(HttpStatus.OK)
  @Roles('order-operator', 'inventory-admin')
  @ApiOperation({
    summary:
      'Move a ticket ({to, note}) or link an action to it ({action: {kind, ref}, note}). Refusals: TICKET.NOT_FOUND 404, TICKET.CLOSED 409, TICKET.INVALID_TRANSITION 409, TICKET.RESOLUTION_REQUIRED 400. Resolving or rejecting a platform ticket sends the answer to the platform',
  })
  async addEvent(
    @Param() { id }: TicketIdParams,
    @Body() body: TicketEventDto,
    @CurrentPrincipal() caller: Principal,
  ) {
    const change: TicketChange = body.action
      ? { type: 'action', kind: body.action.kind, ref: body.action.ref, note: body.note }
      : { type: 'move', to: body.to!, note: body.note };
    let result;
    try {
      result = await this.tickets.change(id, change, caller.name);
    } catch (err) {
      throw ticketApiError(err);
    }
    const { ticket, events } = result;
    if (ticket.source === 'platform' && isClosed(ticket.state) && change.type === 'move') {
      // Now rather than at the relay's next pass; a failure leaves the answer pending for the relay.
      await this.answers
        .publishPending()
        .catch((err: Error) =>
          this.logger.warn({ err: err.message, ticketId: id }, 'after-sales answer left for the relay'),
        );
    }
    return { ...ticketBody(ticket), events: events.map(eventBody) };
  }
}

function ticketBody(t: Ticket) {
  return {
    id: t.id,
    channel: t.channel,
    channelOrderId: t.channelOrderId,
    sku: t.sku,
    source: t.source,
    platformCaseId: t.platformCaseId,
    reason: t.reasonCode,
    summary: t.summary,
    state: t.state,
    openedBy: t.openedBy,
    openedAt: t.openedAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    resolution: t.resolution,
  };
}

function eventBody(e: TicketEventRow) {
  return {
    seq: e.seq,
    type: e.type,
    from: e.from,
    to: e.to,
    action: e.action,
    note: e.note,
    actor: e.actor,
    at: e.at.toISOString(),
  };
}
