import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ReceiveStockDto } from '../skus/receive-stock.dto';
import { RegisterSkuDto } from '../skus/register-sku.dto';
import { ID_PATTERN, SkuParams } from './identifiers';

/** What the API's validation pipe does: transform, then validate. */
const check = <T extends object>(cls: new () => T, plain: object) => {
  const dto = plainToInstance(cls, plain);
  return { dto, problems: validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }) };
};

describe('API identifiers follow the rule shared with webhooks and topic schemas', () => {
  it('accepts the ids it accepted before', () => {
    for (const sku of ['steam-wallet-50', 'A', 'a.b_c:d@e/f-1', '9'.repeat(128)]) {
      expect(check(SkuParams, { sku }).problems).toEqual([]);
    }
  });

  it('accepts Chinese SKU codes, which webhooks already accept', () => {
    expect(check(SkuParams, { sku: '点卡-月卡-30天' }).problems).toEqual([]);
  });

  it('normalises fullwidth letters to ASCII before validating', () => {
    const { dto, problems } = check(SkuParams, { sku: 'ＳＫＵ－１' });
    expect(problems).toEqual([]);
    expect(dto.sku).toBe('SKU-1');
  });

  it('refuses a zero-width character, a control character, whitespace and over-long ids', () => {
    for (const sku of ['SKU\u200B1', 'SKU\u00001', 'SKU 1', 'x'.repeat(129), '']) {
      const { problems } = check(SkuParams, { sku });
      expect(problems).toHaveLength(1);
    }
    expect(JSON.stringify(check(SkuParams, { sku: 'SKU\u200B1' }).problems)).toContain(
      'IDENTIFIER.FORMAT_CHARACTER',
    );
  });

  it('applies the rule in request bodies too', () => {
    expect(check(ReceiveStockDto, { batchId: 'po\u200B1', quantity: 1 }).problems).toHaveLength(1);
    expect(check(RegisterSkuDto, { sku: '点卡', kind: 'quantity' }).problems).toEqual([]);
  });

  it('keeps a pattern for quick checks that agrees on plain ids', () => {
    expect(ID_PATTERN.test('steam-wallet-50')).toBe(true);
    expect(ID_PATTERN.test('SKU\u200B1')).toBe(false);
  });
});
