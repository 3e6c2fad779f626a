import { randomBytes } from 'node:crypto';
import { CardVault, CardVaultError, parseKeyring } from '@libs/card-vault';
import type { Pool } from 'pg';
import { testKeys } from './keys';

const noPool = {} as Pool;

describe('card vault configuration', () => {
  it('parses an id:base64 keyring', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const keys = parseKeyring(` k1:${a.toString('base64')}, k2:${b.toString('base64')} `);
    expect(Object.keys(keys)).toEqual(['k1', 'k2']);
    expect(keys.k1.equals(a)).toBe(true);
  });

  it('rejects malformed or repeated entries', () => {
    expect(() => parseKeyring('nocolon')).toThrow(CardVaultError);
    const k = randomBytes(32).toString('base64');
    expect(() => parseKeyring(`k1:${k},k1:${k}`)).toThrow('appears twice');
  });

  it.each([
    ['an active key missing from the keyring', { ...testKeys(), activeKeyId: 'k9' }, 'not in the keyring'],
    ['a short key', { ...testKeys(), keys: { k1: randomBytes(16) } }, '32 bytes'],
    ['a short fingerprint key', { ...testKeys(), fingerprintKey: randomBytes(8) }, 'at least 32 bytes'],
    ['a bad key id', { ...testKeys('bad id', ['bad id']) }, 'must be 1-64'],
  ])('refuses %s with CARD_VAULT.INVALID_CONFIG, without printing key material', (_name, keys, message) => {
    let error: unknown;
    try {
      new CardVault(noPool, keys);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'CARD_VAULT.INVALID_CONFIG' });
    expect((error as Error).message).toContain(message);
    for (const key of Object.values(keys.keys)) {
      expect((error as Error).message).not.toContain(key.toString('base64'));
      expect((error as Error).message).not.toContain(key.toString('hex'));
    }
  });

  it('refuses a fingerprint key equal to an encryption key', () => {
    const keys = testKeys();
    expect(() => new CardVault(noPool, { ...keys, fingerprintKey: keys.keys.k1 })).toThrow('must differ');
  });

  it('fingerprints with the keyed HMAC, ignoring surrounding whitespace', () => {
    const keys = testKeys();
    const vault = new CardVault(noPool, keys);
    const other = new CardVault(noPool, { ...keys, fingerprintKey: randomBytes(32) });
    expect(vault.fingerprint('  ABCD-1234\r\n')).toBe(vault.fingerprint('ABCD-1234'));
    expect(vault.fingerprint('ABCD-1234')).toMatch(/^[0-9a-f]{64}$/);
    expect(other.fingerprint('ABCD-1234')).not.toBe(vault.fingerprint('ABCD-1234'));
    expect(() => vault.fingerprint('   ')).toThrow(
      expect.objectContaining({ code: 'CARD_VAULT.INVALID_SECRET' }),
    );
  });
});
