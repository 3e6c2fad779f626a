import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { orderRecordOf } from '@libs/inventory';
import { given, stateFrom } from '../../test/decider-specification';
import {
  command,
  confirm,
  event,
  keysImported,
  registeredCardKeys,
  reserve,
  reserved,
} from '../../test/fixtures';

const ROOT = join(__dirname, '..', '..', '..', '..');

describe('loop-key allocations', () => {
  it('a loop-key order of 5e8 is refused and one of 900,000 is allocated as one (unit, count) entry, in a 128 MB heap', () => {
    const child = spawnSync(
      process.execPath,
      [
        '--max-old-space-size=128',
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'libs/inventory/test/loop-key-order.script.ts',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json' },
        encoding: 'utf8',
        timeout: 50_000,
      },
    );
    // A heap OOM is an abort (signal, or exit code 134): the process never reaches the print.
    expect({ status: child.status, signal: child.signal, stderr: child.stderr.slice(0, 500) }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
    const answer = JSON.parse(child.stdout.trim());
    // The refusal is the order's answer; its payment is then answered ORDER_REJECTED.
    expect(answer.huge).toEqual([
      { type: 'ReservationRejected', reason: 'QUANTITY_TOO_LARGE' },
      { type: 'CommandRejected', reason: 'ORDER_REJECTED' },
    ]);
    expect(answer.large).toEqual([
      { type: 'StockReserved' },
      {
        type: 'ReservationConfirmed',
        loopUnits: [{ unitId: 'loop-1', count: 900_000 }],
        allocatedUnitIds: [],
      },
    ]);
    expect(answer.legacy).toEqual([
      { type: 'ReservationConfirmed', loopUnits: [{ unitId: 'loop-1', count: 5e8 }], allocatedUnitIds: [] },
    ]);
  }, 60_000);

  const loops = [registeredCardKeys(), keysImported(3, 'loops', 1, true)];

  it('spreads the endless part over the live loop keys in turn, as counts', () => {
    const { events } = given([...loops, reserved('o1', 7, { endless: 7 })]).when(confirm('o1'));
    expect(events).toMatchObject([
      {
        type: 'ReservationConfirmed',
        data: {
          allocatedUnitIds: [],
          loopUnits: [
            { unitId: 'k1', count: 3 },
            { unitId: 'k2', count: 2 },
            { unitId: 'k3', count: 2 },
          ],
        },
      },
    ]);
  });

  it('names only the keys it uses when the order is smaller than the number of loop keys', () => {
    const { events } = given([...loops, reserved('o1', 2, { endless: 2 })]).when(confirm('o1'));
    expect(events).toMatchObject([
      {
        data: {
          loopUnits: [
            { unitId: 'k1', count: 1 },
            { unitId: 'k2', count: 1 },
          ],
        },
      },
    ]);
  });

  it('reads an event stored with the old repeated array as (unit, count)', () => {
    const legacyConfirmed = event('ReservationConfirmed', {
      channel: 'taobao',
      channelOrderId: 'o1',
      quantity: 3,
      allocatedUnitIds: [],
      loopUnitIds: ['k1', 'k2', 'k1'],
    } as never);
    const state = stateFrom([...loops, reserved('o1', 3, { endless: 3 }), legacyConfirmed]);
    const { events } = given([...loops, reserved('o1', 3, { endless: 3 }), legacyConfirmed]).when(
      command('RecordDelivery', { channel: 'taobao', channelOrderId: 'o1' }),
    );
    expect(events).toMatchObject([{ type: 'DeliveryRecorded', data: { unitIds: ['k1', 'k2'] } }]);
    expect(orderRecordOf(state, 'taobao', 'o1')?.loopUnits).toEqual([
      { unitId: 'k1', count: 2 },
      { unitId: 'k2', count: 1 },
    ]);
  });

  it('a new order on the loop keys is still reserved after a huge legacy allocation', () => {
    given([...loops, reserved('big', 5e8, { endless: 5e8 })])
      .when(reserve('o2', 1))
      .then([reserved('o2', 1, { endless: 1 })]);
  });
});
