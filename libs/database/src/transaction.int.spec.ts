import { createTestDatabase, type TestDatabase } from '@libs/testing';
import { withTransaction } from './transaction';

describe('withTransaction against PostgreSQL', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('with_tx', 2);
    await db.pool.query('CREATE TABLE note (id int PRIMARY KEY)');
  });

  afterAll(async () => {
    await db.drop();
  });

  it('given work that succeeds, then its rows are committed', async () => {
    await withTransaction(db.pool, async (c) => {
      await c.query('INSERT INTO note (id) VALUES (1), (2)');
    });
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM note WHERE id IN (1, 2)');
    expect(rows[0].n).toBe(2);
  });

  it('given work that fails halfway, then nothing of it is kept', async () => {
    await expect(
      withTransaction(db.pool, async (c) => {
        await c.query('INSERT INTO note (id) VALUES (10)');
        await c.query('INSERT INTO note (id) VALUES (10)');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM note WHERE id = 10');
    expect(rows[0].n).toBe(0);
  });

  it('given the backend is terminated mid-transaction, then the dead client is not handed out again', async () => {
    await expect(
      withTransaction(db.pool, async (c) => {
        await c.query('SELECT pg_terminate_backend(pg_backend_pid())');
      }),
    ).rejects.toBeDefined();
    // Every connection the pool hands out afterwards works.
    for (let i = 0; i < 3; i++) {
      const { rows } = await db.pool.query('SELECT 1 AS one');
      expect(rows[0].one).toBe(1);
    }
  });
});
