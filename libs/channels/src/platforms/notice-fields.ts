import { NoticeFormatError } from '../inbound/order-notice';

/** Small readers for notification bodies: each failure names the field, which the 400 answer carries. */
export function obj(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new NoticeFormatError(`${field} must be an object`);
  return value as Record<string, unknown>;
}

export function str(value: unknown, field: string): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value.trim() === '' || value.length > 128 || /\s/.test(value)) {
    throw new NoticeFormatError(`${field} must be an identifier`);
  }
  return value;
}

export function positiveInt(value: unknown, field: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
    throw new NoticeFormatError(`${field} must be a positive whole number`);
  return n;
}

export function list(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 100)
    throw new NoticeFormatError(`${field} must be a list of 1 to 100 entries`);
  return value;
}

export function optionalTime(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value)) || !/[zZ]|[+-]\d\d:?\d\d$/.test(value)) {
    throw new NoticeFormatError(`${field} must be an ISO 8601 time with an offset`);
  }
  return new Date(value).toISOString();
}
