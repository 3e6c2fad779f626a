import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { columnIndex } from '../uploads/table';

/** Our catalogue fields a CSV column can be mapped to. `name` is checked and echoed, not stored (see README). */
export const CATALOGUE_FIELDS = ['sku', 'name', 'stockKind', 'lowStockThreshold', 'perOrderCap'] as const;
export type CatalogueField = (typeof CATALOGUE_FIELDS)[number];
export const REQUIRED_FIELDS: readonly CatalogueField[] = ['sku', 'stockKind'];

/** `kind` is what POST /v1/skus calls the stock kind. */
const FIELD_ALIASES: Record<string, CatalogueField> = { kind: 'stockKind' };

/** Which CSV column (by header name) holds each mapped field. */
export type FieldMapping = Partial<Record<CatalogueField, string>>;

/** The index of each mapped field's column in the header. */
export type ColumnIndexes = Partial<Record<CatalogueField, number>>;

const MAX_ENTRIES = 32;

function fieldOf(name: string): CatalogueField | undefined {
  const lower = name.toLowerCase();
  return CATALOGUE_FIELDS.find((f) => f.toLowerCase() === lower) ?? FIELD_ALIASES[lower];
}

/**
 * Splits `a=x,b=y` into trimmed pairs. A value may hold `=` (only the first one separates) but never a comma,
 * which separates the pairs.
 */
export function parsePairs(text: string, parameter: string): [string, string][] {
  const entries = text.split(',').map((e) => e.trim());
  if (entries.length > MAX_ENTRIES) {
    throw invalidMapping(`${parameter} holds more than ${MAX_ENTRIES} entries`, { parameter });
  }
  return entries.map((entry) => {
    const at = entry.indexOf('=');
    const key = at < 0 ? '' : entry.slice(0, at).trim();
    const value = at < 0 ? '' : entry.slice(at + 1).trim();
    if (key === '' || value === '') {
      throw invalidMapping(`${parameter}: "${entry}" is not of the form name=value`, { parameter, entry });
    }
    return [key, value];
  });
}

function invalidMapping(message: string, details: unknown): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, 'IMPORT.INVALID_MAPPING', message, details);
}

/**
 * Reads `sku=商品编码,name=商品名称,stockKind=类型,...`: each of our fields (left) names the CSV column that holds
 * it (right). Field names are case-insensitive. Every required field must be mapped (IMPORT.MAPPING_INCOMPLETE);
 * an unknown field, a field mapped twice or a malformed pair is IMPORT.INVALID_MAPPING.
 */
export function parseFieldMapping(text: string): FieldMapping {
  const mapping: FieldMapping = {};
  for (const [name, column] of parsePairs(text, 'mapping')) {
    const field = fieldOf(name);
    if (!field) {
      throw invalidMapping(`mapping: unknown field "${name}"; known fields: ${CATALOGUE_FIELDS.join(', ')}`, {
        field: name,
        known: CATALOGUE_FIELDS,
      });
    }
    if (mapping[field] !== undefined) {
      throw invalidMapping(`mapping: field ${field} is mapped twice`, { field });
    }
    mapping[field] = column;
  }
  const missing = REQUIRED_FIELDS.filter((f) => mapping[f] === undefined);
  if (missing.length > 0) {
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      'IMPORT.MAPPING_INCOMPLETE',
      `mapping: required field${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not mapped to a column`,
      { missing },
    );
  }
  return mapping;
}

/**
 * Finds each mapped column in the header row (names trimmed, case-insensitive). A mapped column that is missing
 * (IMPORT.COLUMN_NOT_FOUND) or appears twice (IMPORT.INVALID_HEADER) fails the file before any row is read.
 */
export function resolveColumns(mapping: FieldMapping, header: string[]): ColumnIndexes {
  const indexes: ColumnIndexes = {};
  const missing: { field: CatalogueField; column: string }[] = [];
  for (const field of CATALOGUE_FIELDS) {
    const column = mapping[field];
    if (column === undefined) continue;
    const index = columnIndex(header, column);
    if (index < 0) {
      missing.push({ field, column });
      continue;
    }
    if (columnIndex(header.slice(index + 1), column) >= 0) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'IMPORT.INVALID_HEADER',
        `the header holds column "${column}" (mapped to ${field}) more than once`,
        { header },
      );
    }
    indexes[field] = index;
  }
  if (missing.length > 0) {
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      'IMPORT.COLUMN_NOT_FOUND',
      `no column ${missing.map((m) => `"${m.column}" (${m.field})`).join(', ')} in the header`,
      { missing, header },
    );
  }
  return indexes;
}
