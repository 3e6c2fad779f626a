import type { SupplierConfig } from './contract';

/** Lower-case, like a channel code: `upstream-a`, `main-station`. */
export const SUPPLIER_ID_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;
/** Shortest signing secret accepted (HMAC-SHA256 keys shorter than this are guessable). */
export const MIN_SUPPLIER_SECRET_LENGTH = 16;

/**
 * Reads one supplier's configuration (from JSON or environment variables already split into fields) and refuses
 * it with a message naming the field, never its value (the secret must not reach a boot log).
 */
export function parseSupplierConfig(raw: unknown, where = 'supplier'): SupplierConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${where} must be an object`);
  const r = raw as Record<string, unknown>;
  const fail = (field: string, rule: string): never => {
    throw new Error(`${where}.${field} ${rule}`);
  };
  const id =
    typeof r.id === 'string' && SUPPLIER_ID_PATTERN.test(r.id)
      ? r.id
      : fail('id', 'must match ' + SUPPLIER_ID_PATTERN);
  let baseUrl = '';
  try {
    const url = new URL(String(r.baseUrl));
    if ((url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash && !url.username)
      baseUrl = url.toString().replace(/\/+$/, '');
  } catch {
    // refused below
  }
  if (!baseUrl) fail('baseUrl', 'must be an http(s) URL without query, fragment or credentials');
  const appId =
    typeof r.appId === 'string' && r.appId.length > 0 && r.appId.length <= 128 && !/[\s\p{Cc}]/u.test(r.appId)
      ? r.appId
      : fail('appId', 'must be 1 to 128 characters without spaces');
  const secret =
    typeof r.secret === 'string' && r.secret.length >= MIN_SUPPLIER_SECRET_LENGTH
      ? r.secret
      : fail('secret', `must be at least ${MIN_SUPPLIER_SECRET_LENGTH} characters`);
  const timeoutMs =
    wholeNumber(r.timeoutMs, 100, 120_000) ?? fail('timeoutMs', 'must be a whole number from 100 to 120000');
  const pollIntervalMs =
    wholeNumber(r.pollIntervalMs, 1_000, 86_400_000) ??
    fail('pollIntervalMs', 'must be a whole number from 1000 to 86400000');
  const noticesEnabled =
    typeof r.noticesEnabled === 'boolean'
      ? r.noticesEnabled
      : fail('noticesEnabled', 'must be true or false');
  return { id, baseUrl, appId, secret, timeoutMs, pollIntervalMs, noticesEnabled };
}

function wholeNumber(value: unknown, min: number, max: number): number | undefined {
  const n = typeof value === 'string' && /^\d{1,12}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}
