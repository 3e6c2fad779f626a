import { createTestDatabase, type TestDatabase } from '@libs/testing';

/**
 * createTestDatabase, plus a pool error listener: drop() ends the pool and then force-drops the database, and a
 * client still closing at that moment reports "terminating connection", which would crash the suite unheard.
 */
export async function testDatabase(label: string, poolSize?: number): Promise<TestDatabase> {
  const db = await createTestDatabase(label, poolSize);
  db.pool.on('error', () => undefined);
  return db;
}
