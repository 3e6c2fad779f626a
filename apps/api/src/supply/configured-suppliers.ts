import { HttpStatus, Injectable } from '@nestjs/common';
import { type SupplierConfig, SuppliersConfig, suppliersOf } from '@libs/suppliers';
import { ApiError } from '../common/api-error';

/**
 * The upstream suppliers (货源 / 主站) SUPPLIERS names, as the API knows them: a SKU may be linked only to one of
 * them, and a catalogue sync reads one of their catalogues. Secrets stay in the configs; nothing here logs them.
 */
@Injectable()
export class ConfiguredSuppliers {
  private readonly byId: ReadonlyMap<string, SupplierConfig>;

  constructor(config: SuppliersConfig) {
    this.byId = new Map(suppliersOf(config).map((s) => [s.id, s]));
  }

  /** The supplier ids, in the order SUPPLIERS lists them. */
  ids(): string[] {
    return [...this.byId.keys()];
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** 404 SUPPLY.UNKNOWN_SUPPLIER for an id SUPPLIERS does not name. */
  get(id: string): SupplierConfig {
    const supplier = this.byId.get(id);
    if (!supplier) throw unknownSupplier([id]);
    return supplier;
  }
}

export function unknownSupplier(ids: string[]): ApiError {
  return new ApiError(
    HttpStatus.NOT_FOUND,
    'SUPPLY.UNKNOWN_SUPPLIER',
    `no supplier ${ids.join(', ')} in SUPPLIERS (the suppliers this installation is configured for)`,
    { supplierIds: ids },
  );
}
