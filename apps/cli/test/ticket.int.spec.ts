import { type ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { run } from '../src/main';
import { parseTicketCommand } from '../src/ticket.commands';
import { capturedIo } from './captured-io';

describe('stocksync ticket against the API', () => {
  let api: ApiTestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    api = await startApiTestApp('cli_tickets');
    env = {
      STOCKSYNC_API_URL: api.url,
      STOCKSYNC_API_KEY: await api.keyFor('order-operator', 'cli-olga'),
    };
  });
  afterAll(() => api?.close());

  const cli = async (...argv: string[]) => {
    const c = capturedIo(env);
    const code = await run(argv, c.io);
    return { code, stdout: c.stdout(), stderr: c.stderr() };
  };

  it('opens, lists, links an action to, moves and shows a ticket, each step with the caller as actor', async () => {
    const opened = await cli(
      'ticket',
      'open',
      'shop',
      'CLI-ORDER-1',
      '--reason',
      'INVALID_KEY',
      '--summary',
      'buyer says the key was used',
      '--sku',
      'GAME-1',
    );
    expect(opened.code).toBe(0);
    const { id } = JSON.parse(opened.stdout) as { id: string };
    expect(opened.stderr).toContain(`opened ticket ${id} on shop order CLI-ORDER-1`);

    const listed = await cli('ticket', 'list', '--state', 'open');
    expect(JSON.parse(listed.stdout).items.map((t: { id: string }) => t.id)).toEqual([id]);
    expect(listed.stderr).toContain('shop/CLI-ORDER-1  INVALID_KEY  (operator, cli-olga)');

    expect((await cli('ticket', 'link', id, 'void-and-replace', 'unit-7', '--note', 'replaced')).code).toBe(
      0,
    );
    const moved = await cli('ticket', 'move', id, 'resolved', '--note', 'new key delivered');
    expect(moved.stderr).toBe(`ticket ${id} is resolved\n`);

    const shown = await cli('ticket', 'show', id);
    expect(JSON.parse(shown.stdout)).toMatchObject({ state: 'resolved', resolution: 'new key delivered' });
    expect(shown.stderr).toContain('cli-olga  void-and-replace unit-7  "replaced"');
    expect(shown.stderr).toContain('cli-olga  moved → resolved  "new key delivered"');

    await expect(cli('ticket', 'move', id, 'open', '--note', 'again')).rejects.toThrow(/409 TICKET.CLOSED/);
    expect((await cli('ticket', 'list', '--state', 'open')).stderr).toBe('no ticket matches\n');
  });

  it('refuses a malformed command with the usage (exit 2)', async () => {
    for (const argv of [
      ['ticket'],
      ['ticket', 'open', 'shop', 'o-1', '--reason', 'X'],
      ['ticket', 'move', 'id-only'],
      ['ticket', 'list', '--colour', 'red'],
      ['ticket', 'show', 'a', 'b'],
      ['ticket', 'link', 'id', 'refund'],
    ]) {
      const c = capturedIo(env);
      expect(await run(argv, c.io)).toBe(2);
      expect(c.stderr()).toMatch(/^usage: stocksync <command>/);
    }
    expect(parseTicketCommand(['list', '--older-than', '60', '--state', 'open'])).toEqual({
      command: 'list',
      state: 'open',
      olderThanMinutes: '60',
      channel: undefined,
      limit: undefined,
      cursor: undefined,
    });
  });
});
