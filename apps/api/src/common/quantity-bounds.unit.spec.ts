import type { ArgumentMetadata } from '@nestjs/common';
import { MAX_ORDER_QUANTITY } from '@libs/inventory';
import { AdjustStockDto } from '../adjustments/adjust-stock.dto';
import { OpenDedicatedPoolDto } from '../dedicated-pools/open-dedicated-pool.dto';
import { ChangeSkuSettingsDto } from '../skus/change-sku-settings.dto';
import { ReceiveStockDto } from '../skus/receive-stock.dto';
import { RegisterSkuDto } from '../skus/register-sku.dto';
import { createValidationPipe } from './validation';

const pipe = createValidationPipe();
const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });

async function refusal(metatype: ArgumentMetadata['metatype'], value: object): Promise<string | undefined> {
  try {
    await pipe.transform(value, body(metatype));
    return undefined;
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe('API quantities are safe integers within documented bounds', () => {
  it.each([2 ** 31, 1e300, 2 ** 53, 1.5])(
    'refuses %d units in a receipt, a pool and an adjustment',
    async (n) => {
      expect(await refusal(ReceiveStockDto, { batchId: 'b1', quantity: n })).toBe('API.VALIDATION_FAILED');
      expect(await refusal(OpenDedicatedPoolDto, { poolId: 'p1', quantity: n })).toBe(
        'API.VALIDATION_FAILED',
      );
      expect(
        await refusal(AdjustStockDto, { adjustmentId: 'a1', delta: n, reason: 'count-correction' }),
      ).toBe('API.VALIDATION_FAILED');
      expect(
        await refusal(AdjustStockDto, { adjustmentId: 'a1', delta: -n, reason: 'count-correction' }),
      ).toBe('API.VALIDATION_FAILED');
    },
  );

  it('accepts the largest receipt (1e9 per call)', async () => {
    expect(await refusal(ReceiveStockDto, { batchId: 'b1', quantity: 1_000_000_000 })).toBeUndefined();
  });

  it('refuses a per-order cap above the most one order may ever take', async () => {
    const over = MAX_ORDER_QUANTITY + 1;
    expect(
      await refusal(RegisterSkuDto, { sku: 'S', kind: 'quantity', perOrderCap: MAX_ORDER_QUANTITY }),
    ).toBeUndefined();
    expect(await refusal(RegisterSkuDto, { sku: 'S', kind: 'quantity', perOrderCap: over })).toBe(
      'API.VALIDATION_FAILED',
    );
    expect(await refusal(ChangeSkuSettingsDto, { perOrderCap: over })).toBe('API.VALIDATION_FAILED');
    expect(await refusal(OpenDedicatedPoolDto, { poolId: 'p1', quantity: 1, perOrderCap: over })).toBe(
      'API.VALIDATION_FAILED',
    );
  });
});
