import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigError } from '@libs/config';
import { EventStore, KurrentDbEventStore } from '@libs/event-store';
import { EventStoreModule } from './event-store.module';
import { PG_POOL } from './postgres.module';

/** The pool is never touched by the KurrentDB store; the PostgreSQL case is covered by every app test. */
@Global()
@Module({ providers: [{ provide: PG_POOL, useValue: {} }], exports: [PG_POOL] })
class NoPoolModule {}

describe('EventStoreModule', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ['EVENT_STORE', 'KURRENTDB_CONNECTION_STRING']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  const compile = () => Test.createTestingModule({ imports: [NoPoolModule, EventStoreModule] }).compile();

  it('given EVENT_STORE=kurrentdb and a connection string, when the app module is built, then EventStore is the KurrentDB adapter, closed with the app', async () => {
    process.env.EVENT_STORE = 'kurrentdb';
    process.env.KURRENTDB_CONNECTION_STRING = 'kurrentdb://127.0.0.1:2113?tls=false';
    const app = await compile();
    const store = app.get(EventStore);
    expect(store).toBeInstanceOf(KurrentDbEventStore);
    const close = jest.spyOn(store as KurrentDbEventStore, 'close');
    await app.close();
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('given EVENT_STORE=kurrentdb without a connection string, when the app module is built, then boot stops with CONFIG.INVALID', async () => {
    process.env.EVENT_STORE = 'kurrentdb';
    delete process.env.KURRENTDB_CONNECTION_STRING;
    const error = await compile().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      code: 'CONFIG.INVALID',
      problems: ['[eventStore] KURRENTDB_CONNECTION_STRING: is required'],
    });
  });
});
