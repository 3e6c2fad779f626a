import type { ArgumentMetadata } from '@nestjs/common';
import { createValidationPipe } from '../common/validation';
import { ListTicketsQuery, OpenTicketDto, TicketEventDto } from './tickets.dto';

const pipe = createValidationPipe();

/** The fields the validation pipe refuses (API.VALIDATION_FAILED), or [] when it accepts. */
async function refusedFields(
  metatype: ArgumentMetadata['metatype'],
  value: object,
  type: ArgumentMetadata['type'] = 'body',
): Promise<string[]> {
  try {
    await pipe.transform(value, { type, metatype });
    return [];
  } catch (err) {
    expect((err as { code: string }).code).toBe('API.VALIDATION_FAILED');
    return ((err as { details: { field: string }[] }).details ?? []).map((d) => d.field);
  }
}

describe('ticket DTOs', () => {
  describe('opening', () => {
    it('takes a reason code, a summary and an optional SKU', async () => {
      expect(await refusedFields(OpenTicketDto, { reason: 'INVALID_KEY', summary: 'used key' })).toEqual([]);
      expect(
        await refusedFields(OpenTicketDto, { reason: 'NOT_RECEIVED', summary: 's', sku: 'GAME-1' }),
      ).toEqual([]);
    });

    it.each([
      ['reason', { reason: 'invalid_key', summary: 's' }],
      ['reason', { reason: 'A.B', summary: 's' }],
      ['reason', { reason: `A${'B'.repeat(64)}`, summary: 's' }],
      ['summary', { reason: 'X', summary: '' }],
      ['summary', { reason: 'X', summary: 's'.repeat(2001) }],
      ['sku', { reason: 'X', summary: 's', sku: 'a\u200Bb' }],
      ['state', { reason: 'X', summary: 's', state: 'resolved' }],
    ])('refuses a bad %s (case %#)', async (field, value) => {
      expect(await refusedFields(OpenTicketDto, value)).toContain(field);
    });
  });

  describe('an event', () => {
    it('is a move or an action, with an optional note', async () => {
      expect(await refusedFields(TicketEventDto, { to: 'waiting-buyer' })).toEqual([]);
      expect(await refusedFields(TicketEventDto, { to: 'resolved', note: 'refunded' })).toEqual([]);
      expect(
        await refusedFields(TicketEventDto, { action: { kind: 'refund', ref: 'R-1' }, note: 'n' }),
      ).toEqual([]);
    });

    it.each([
      ['to', {}],
      ['action', { note: 'only a note' }],
      ['to', { to: 'closed' }],
      ['action', { to: 'open', action: { kind: 'note', ref: '-' } }],
      ['action.kind', { action: { kind: 'teleport', ref: 'x' } }],
      ['action.ref', { action: { kind: 'refund', ref: '' } }],
      ['action.ref', { action: { kind: 'refund', ref: 'r'.repeat(201) } }],
      ['action.extra', { action: { kind: 'refund', ref: 'r', extra: 1 } }],
      ['note', { to: 'open', note: 'n'.repeat(2001) }],
    ])('refuses a bad %s (case %#)', async (field, value) => {
      expect(await refusedFields(TicketEventDto, value)).toContain(field);
    });
  });

  describe('the list query', () => {
    it('converts numbers and bounds them', async () => {
      expect(
        await refusedFields(
          ListTicketsQuery,
          { state: 'open', olderThanMinutes: '30', limit: '10' },
          'query',
        ),
      ).toEqual([]);
      expect(await refusedFields(ListTicketsQuery, { limit: '0' }, 'query')).toContain('limit');
      expect(await refusedFields(ListTicketsQuery, { limit: '501' }, 'query')).toContain('limit');
      expect(await refusedFields(ListTicketsQuery, { olderThanMinutes: '-1' }, 'query')).toContain(
        'olderThanMinutes',
      );
      expect(await refusedFields(ListTicketsQuery, { state: 'closed' }, 'query')).toContain('state');
      expect(await refusedFields(ListTicketsQuery, { cursor: 'c'.repeat(401) }, 'query')).toContain('cursor');
    });
  });
});
