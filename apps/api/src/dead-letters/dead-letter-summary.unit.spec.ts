import { MAX_DETAIL_CHARS, safeDetail } from './dead-letter-summary';

describe('the reason text of a dead letter as the API shows it', () => {
  const parseError = (input: string) => {
    try {
      JSON.parse(input);
    } catch (err) {
      return `not UTF-8 JSON: ${(err as Error).message}`;
    }
    throw new Error('parsed');
  };

  it.each([
    'card CARDKEY-SECRET-1 for order T-1',
    '{"cardKey":"CARDKEY-SECRET-1","x": tru}',
    '{"k": undefinedCARDKEY-SECRET-1}',
    `${'x'.repeat(40)} "CARDKEY-SECRET-1" ${'y'.repeat(40)}`,
  ])('withholds the input a JSON parse error quotes: %s', (input) => {
    const reason = parseError(input);
    expect(reason).toContain('is not valid JSON');
    const detail = safeDetail(reason);
    expect(detail).not.toContain('CARDKEY');
    expect(detail).toMatch(/^not UTF-8 JSON: Unexpected token '.', <input withheld> is not valid JSON$/);
  });

  it('keeps a reason that quotes nothing, and bounds a long one', () => {
    expect(safeDetail('inventory.command: payload.sku: sku should not be empty')).toBe(
      'inventory.command: payload.sku: sku should not be empty',
    );
    const long = safeDetail(`CommandFailedError: ${'z'.repeat(5000)}`);
    expect(long).toHaveLength(MAX_DETAIL_CHARS);
    expect(long.endsWith('…')).toBe(true);
  });
});
