import { ticketStepsForOrder } from '../src/tickets/ticket-steps';
import { startApiTestApp, type ApiTestApp } from './api-test-app';

describe('ticket routes on real PostgreSQL', () => {
  let api: ApiTestApp;
  let operator: string;
  let analyst: string;

  beforeAll(async () => {
    api = await startApiTestApp('api_tickets');
    operator = await api.keyFor('order-operator', 'operator-olga');
    analyst = await api.keyFor('analyst', 'analyst-ann');
  });
  afterAll(() => api?.close());

  const open = (orderId: string, json: unknown, key = operator) =>
    api.call('POST', `/v1/orders/shop/${orderId}/tickets`, { key, json });
  const addEvent = (id: string, json: unknown, key = operator) =>
    api.call('POST', `/v1/tickets/${id}/events`, { key, json });

  it('walks a ticket from open to resolved with a linked action, each step with its actor; then it is closed', async () => {
    const opened = await open('T-ORDER-1', {
      reason: 'INVALID_KEY',
      summary: 'buyer says the key was already used',
      sku: 'GAME-1',
    });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({
      channel: 'shop',
      channelOrderId: 'T-ORDER-1',
      sku: 'GAME-1',
      source: 'operator',
      platformCaseId: null,
      reason: 'INVALID_KEY',
      state: 'open',
      openedBy: 'operator-olga',
      resolution: null,
    });
    const id = opened.body.id as string;

    expect((await addEvent(id, { to: 'waiting-buyer', note: 'asked for a screenshot' })).body.state).toBe(
      'waiting-buyer',
    );
    expect((await addEvent(id, { to: 'open', note: 'screenshot received' })).body.state).toBe('open');
    const linked = await addEvent(id, {
      action: { kind: 'void-and-replace', ref: 'unit-7' },
      note: 'voided and replaced',
    });
    expect(linked.status).toBe(200);
    expect(linked.body.state).toBe('open');

    // Closing needs the resolution.
    const bare = await addEvent(id, { to: 'resolved' });
    expect(bare.status).toBe(400);
    expect(bare.body.code).toBe('TICKET.RESOLUTION_REQUIRED');
    const resolved = await addEvent(id, { to: 'resolved', note: 'new key delivered' });
    expect(resolved.body).toMatchObject({ state: 'resolved', resolution: 'new key delivered' });

    // Closed for good: a move and an action are refused with TICKET.CLOSED.
    for (const body of [{ to: 'open', note: 'again' }, { action: { kind: 'note', ref: '-' } }]) {
      const refused = await addEvent(id, body);
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('TICKET.CLOSED');
    }

    const shown = await api.call('GET', `/v1/tickets/${id}`, { key: analyst });
    expect(shown.status).toBe(200);
    expect(
      shown.body.events.map((e: { type: string; to: string | null; action: unknown; actor: string }) => [
        e.type,
        e.to,
        e.action,
        e.actor,
      ]),
    ).toEqual([
      ['opened', 'open', null, 'operator-olga'],
      ['moved', 'waiting-buyer', null, 'operator-olga'],
      ['moved', 'open', null, 'operator-olga'],
      ['action', null, { kind: 'void-and-replace', ref: 'unit-7' }, 'operator-olga'],
      ['moved', 'resolved', null, 'operator-olga'],
    ]);

    // The order history's view of the same ticket.
    const steps = await ticketStepsForOrder(api.db.pool, 'shop', 'T-ORDER-1');
    expect(steps.map((s) => [s.step, s.actor, s.detail.ticketId])).toEqual([
      ['ticket-opened', 'operator-olga', id],
      ['ticket-moved', 'operator-olga', id],
      ['ticket-moved', 'operator-olga', id],
      ['ticket-action', 'operator-olga', id],
      ['ticket-moved', 'operator-olga', id],
    ]);
    expect(steps[3].detail).toMatchObject({ kind: 'void-and-replace', ref: 'unit-7' });
    expect(await ticketStepsForOrder(api.db.pool, 'shop', 'no-such-order')).toEqual([]);
  });

  it('refuses with stable codes: unknown ticket 404, a move to the same state 409, bad input 400, an analyst 403', async () => {
    const missing = await addEvent('00000000-0000-0000-0000-000000000000', { to: 'resolved', note: 'x' });
    expect([missing.status, missing.body.code]).toEqual([404, 'TICKET.NOT_FOUND']);
    const notShown = await api.call('GET', '/v1/tickets/00000000-0000-0000-0000-000000000000');
    expect([notShown.status, notShown.body.code]).toEqual([404, 'TICKET.NOT_FOUND']);

    const { body: ticket } = await open('T-ORDER-2', { reason: 'NOT_RECEIVED', summary: 'nothing arrived' });
    const same = await addEvent(ticket.id, { to: 'open' });
    expect([same.status, same.body.code]).toEqual([409, 'TICKET.INVALID_TRANSITION']);

    for (const bad of [
      { reason: 'invalid key', summary: 'x' },
      { reason: 'INVALID_KEY', summary: 'x'.repeat(2001) },
      { reason: 'INVALID_KEY', summary: '' },
      { reason: 'INVALID_KEY', summary: 'x', extra: 1 },
    ]) {
      const refused = await open('T-ORDER-3', bad);
      expect([refused.status, refused.body.code]).toEqual([400, 'API.VALIDATION_FAILED']);
    }
    for (const bad of [
      {},
      { to: 'closed' },
      { to: 'resolved', action: { kind: 'refund', ref: 'r' }, note: 'both' },
      { action: { kind: 'teleport', ref: 'r' } },
      { action: { kind: 'refund', ref: 'r'.repeat(201) } },
      { to: 'waiting-buyer', note: 'n'.repeat(2001) },
    ]) {
      const refused = await addEvent(ticket.id, bad);
      expect([refused.status, refused.body.code]).toEqual([400, 'API.VALIDATION_FAILED']);
    }

    expect((await open('T-ORDER-3', { reason: 'X', summary: 'y' }, analyst)).status).toBe(403);
    expect((await addEvent(ticket.id, { to: 'waiting-buyer' }, analyst)).status).toBe(403);
    expect((await api.call('GET', `/v1/tickets/${ticket.id}`, { key: analyst })).status).toBe(200);
  });

  it('lists by state and age, oldest first, page by page', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { body } = await open(`L-ORDER-${i}`, { reason: 'REFUND_REQUESTED', summary: `case ${i}` });
      ids.push(body.id);
    }
    // Made to have waited two hours: opened_at is the ticket's age.
    await api.db.pool.query(`UPDATE tickets SET opened_at = now() - interval '2 hours' WHERE id = $1`, [
      ids[2],
    ]);
    await addEvent(ids[1], { to: 'waiting-platform', note: 'asked the platform' });

    const old = await api.call('GET', '/v1/tickets?olderThanMinutes=60', { key: analyst });
    expect(old.body.items.map((t: { id: string }) => t.id)).toEqual([ids[2]]);

    const waiting = await api.call('GET', '/v1/tickets?state=waiting-platform', { key: analyst });
    expect(waiting.body.items.map((t: { id: string }) => t.id)).toEqual([ids[1]]);

    // Every ticket, two at a time, oldest first: the aged one leads.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string; openedAt: string }[]; nextCursor: string | null } } =
        await api.call('GET', `/v1/tickets?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: analyst });
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((t) => t.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen[0]).toBe(ids[2]);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(new Set(seen).size).toBe(seen.length);

    const bad = await api.call('GET', '/v1/tickets?cursor=not-ours', { key: analyst });
    expect([bad.status, bad.body.code]).toEqual([400, 'API.VALIDATION_FAILED']);
    const tooMany = await api.call('GET', '/v1/tickets?limit=501', { key: analyst });
    expect(tooMany.status).toBe(400);
  });
});
