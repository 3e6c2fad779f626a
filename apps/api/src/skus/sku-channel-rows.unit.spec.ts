import { PUSH_STATE_RECHECK_MS, PushStateTable } from './sku-channel-rows';

describe('PushStateTable', () => {
  let now: number;
  let answers: (boolean | Error)[];
  let asked: { sql: string; params: unknown[] }[];

  const table = () =>
    new PushStateTable(
      async (sql, params) => {
        asked.push({ sql, params });
        const answer = answers.shift();
        if (answer instanceof Error) throw answer;
        return [{ present: answer ?? false }];
      },
      () => now,
    );

  beforeEach(() => {
    now = 1_000;
    answers = [];
    asked = [];
  });

  it("asks the catalogue for the connectors' table by name, never by trying a query on it", async () => {
    answers = [true];
    expect(await table().exists()).toBe(true);
    expect(asked).toEqual([
      { sql: expect.stringContaining('to_regclass($1'), params: ['channel_push_state'] },
    ]);
  });

  it('keeps a table once found, without asking again', async () => {
    const t = table();
    answers = [true];
    for (let i = 0; i < 5; i++) {
      expect(await t.exists()).toBe(true);
      now += PUSH_STATE_RECHECK_MS * 10;
    }
    expect(asked).toHaveLength(1);
  });

  it('looks for a missing table again only once the recheck interval has passed', async () => {
    const t = table();
    answers = [false, false, true];
    expect(await t.exists()).toBe(false);
    now += PUSH_STATE_RECHECK_MS - 1;
    expect(await t.exists()).toBe(false);
    expect(asked).toHaveLength(1);
    now += 1;
    expect(await t.exists()).toBe(false);
    expect(asked).toHaveLength(2);
    now += PUSH_STATE_RECHECK_MS;
    expect(await t.exists()).toBe(true);
    expect(asked).toHaveLength(3);
  });

  it('asks once for reads arriving together', async () => {
    const t = table();
    answers = [true];
    expect(await Promise.all([t.exists(), t.exists(), t.exists()])).toEqual([true, true, true]);
    expect(asked).toHaveLength(1);
  });

  it('passes a failed check on to the read and asks again on the next one, as nothing was learnt', async () => {
    const t = table();
    answers = [new Error('connection terminated'), true];
    await expect(t.exists()).rejects.toThrow('connection terminated');
    expect(await t.exists()).toBe(true);
    expect(asked).toHaveLength(2);
  });
});
