import { parseSuppliers } from './suppliers.config';

const entry = (id: string, secret = 'a-secret-of-twenty-chars') => ({
  id,
  baseUrl: 'http://127.0.0.1:4100',
  appId: 'app-1',
  secret,
  timeoutMs: 3000,
  pollIntervalMs: 60000,
  noticesEnabled: true,
});

describe('SUPPLIERS', () => {
  it('is empty when unset, and a list of checked suppliers otherwise', () => {
    expect(parseSuppliers('')).toEqual([]);
    expect(parseSuppliers(JSON.stringify([entry('main-station'), entry('up-b')])).map((s) => s.id)).toEqual([
      'main-station',
      'up-b',
    ]);
  });

  it('refuses what is not a list, a supplier named twice, and a bad entry by its place, never echoing a secret', () => {
    expect(() => parseSuppliers('{')).toThrow('SUPPLIERS must be a JSON array');
    expect(() => parseSuppliers('{}')).toThrow('SUPPLIERS must be a JSON array');
    expect(() => parseSuppliers(JSON.stringify([entry('a'), entry('a')]))).toThrow('SUPPLIERS names a twice');
    const short = 'short-secret';
    let message = '';
    try {
      parseSuppliers(JSON.stringify([entry('a'), entry('b', short)]));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('SUPPLIERS[1].secret');
    expect(message).not.toContain(short);
  });
});
