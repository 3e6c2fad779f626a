import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { IsIdentifier, MAX_IDENTIFIER_LENGTH, normaliseIdentifier } from './fields';

class Holder {
  @IsIdentifier()
  id!: string;
}
const problemsOf = (id: unknown) =>
  validateSync(plainToInstance(Holder, { id })).flatMap((e) => Object.keys(e.constraints ?? {}));

describe('the identifier rule shared by webhooks, topic schemas and the API', () => {
  describe('given an identifier as a platform or an operator types it', () => {
    it('keeps ASCII, Chinese and punctuated ids as they are', () => {
      for (const id of ['SKU-1', 'steam-wallet-50', '3612345678901234567', '点卡-月卡-30天', 'a:b@c/d.e_f']) {
        expect(normaliseIdentifier(id)).toEqual({ ok: true, value: id });
      }
    });

    it('turns fullwidth letters and digits into ASCII (NFKC)', () => {
      expect(normaliseIdentifier('ＳＫＵ－１')).toEqual({ ok: true, value: 'SKU-1' });
      expect(normaliseIdentifier('Ｔ１２３')).toEqual({ ok: true, value: 'T123' });
    });

    it('refuses a zero-width or other format character with a stable code', () => {
      for (const id of ['SKU\u200B1', '\u200BT1', 'T1\uFEFF', 'SKU\u200D', 'A\u202EB', 'A\u2066B']) {
        expect(normaliseIdentifier(id)).toEqual({ ok: false, reason: 'IDENTIFIER.FORMAT_CHARACTER' });
      }
    });

    it('refuses control characters, NUL included', () => {
      for (const id of ['T\u00001', 'T\u0007', 'T\u007F', 'T\u0085x']) {
        expect(normaliseIdentifier(id)).toEqual({ ok: false, reason: 'IDENTIFIER.CONTROL_CHARACTER' });
      }
    });

    it('refuses whitespace of every kind, the ideographic space included', () => {
      for (const id of ['S 1', 'S\u00A01', 'S\u30001', 'S\t1', 'S\u20281']) {
        expect(normaliseIdentifier(id)).toMatchObject({ ok: false });
      }
      expect(normaliseIdentifier('S 1')).toEqual({ ok: false, reason: 'IDENTIFIER.WHITESPACE' });
    });

    it('refuses empty, over-long and non-string values', () => {
      expect(normaliseIdentifier('')).toEqual({ ok: false, reason: 'IDENTIFIER.EMPTY' });
      expect(normaliseIdentifier('x'.repeat(MAX_IDENTIFIER_LENGTH))).toMatchObject({ ok: true });
      expect(normaliseIdentifier('x'.repeat(MAX_IDENTIFIER_LENGTH + 1))).toEqual({
        ok: false,
        reason: 'IDENTIFIER.TOO_LONG',
      });
      expect(normaliseIdentifier('点'.repeat(MAX_IDENTIFIER_LENGTH))).toMatchObject({ ok: true });
      expect(normaliseIdentifier(12)).toEqual({ ok: false, reason: 'IDENTIFIER.NOT_A_STRING' });
      expect(normaliseIdentifier(null)).toEqual({ ok: false, reason: 'IDENTIFIER.NOT_A_STRING' });
    });

    it('refuses a lone surrogate (it cannot be stored as UTF-8)', () => {
      expect(normaliseIdentifier('A\uD800')).toEqual({ ok: false, reason: 'IDENTIFIER.CONTROL_CHARACTER' });
    });
  });

  describe('as a property', () => {
    it('accepts any string: the result is refused, or already normal and stable', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 140 }), (raw) => {
          const result = normaliseIdentifier(raw);
          if (!result.ok) return;
          expect(normaliseIdentifier(result.value)).toEqual(result);
          expect(result.value).toBe(result.value.normalize('NFKC'));
          expect(/[\p{Cc}\p{Cf}\s]/u.test(result.value)).toBe(false);
          expect([...result.value].length).toBeLessThanOrEqual(MAX_IDENTIFIER_LENGTH);
        }),
      );
    });
  });

  describe('the schema decorator', () => {
    it('accepts normal ids and refuses ids that are not in normal form', () => {
      expect(problemsOf('点卡-月卡')).toEqual([]);
      expect(problemsOf('SKU-1')).toEqual([]);
      // A message on a topic carries the normalised form: a fullwidth id was not normalised at the entry.
      expect(problemsOf('ＳＫＵ')).not.toEqual([]);
      expect(problemsOf('SKU\u200B')).not.toEqual([]);
      expect(problemsOf('')).not.toEqual([]);
      expect(problemsOf(7)).not.toEqual([]);
    });
  });
});
