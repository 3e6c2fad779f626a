import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { TopUpAccount } from './channel-events';
import { defineTopic } from './define-topic';
import { IsChannel, IsIdentifier } from './fields';

/*
 * stock.supplier-orders: the paid orders of supplier-backed SKUs the inventory service asks a supplier to fulfil
 * (一键代发), one message per attempt, read by the supplier connector (the one writer to the suppliers). Keyed by
 * the order, so one order's attempts are read in the order they were decided.
 */

/**
 * Place `quantity` of `productId` with `supplierId` under `forwardId` (the supplier's idempotency key: the same
 * message read twice is the same order there). `expectedUnitPrice` in fen is the supply price last reported; null
 * when the supplier never reported one.
 */
export class SupplierForwardRequested {
  @IsChannel()
  channel!: string;

  @IsIdentifier()
  channelOrderId!: string;

  @IsIdentifier()
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(1000)
  attempt!: number;

  @IsIdentifier()
  supplierId!: string;

  @IsIdentifier()
  productId!: string;

  /**
   * `channel:channelOrderId:attempt` (at most 64 + 1 + 128 + 1 + 4 characters): the connector derives the order id
   * the supplier sees from it, the same every time.
   */
  @IsString()
  @MaxLength(200)
  forwardId!: string;

  @IsInt()
  @Min(1)
  @Max(1_000_000)
  quantity!: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000_000)
  expectedUnitPrice?: number | null;

  @IsInt()
  @Min(0)
  skuVersion!: number;

  /** A top-up order: the account the supplier credits. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TopUpAccount)
  topUp?: TopUpAccount;

  /** An order rule's priority (1–100, the order rules' bound; higher first): placed before attempts without. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  priority?: number;
}

export const SupplierOrdersTopic = defineTopic({
  id: 'supplierOrders',
  name: 'stock.supplier-orders',
  description:
    'Paid orders of supplier-backed SKUs to place with a supplier (一键代发), one message per attempt, read by the supplier connector.',
  defaultPartitions: 3,
  cleanupPolicy: 'delete',
  keyDescription: 'channel:channelOrderId',
  key: (payload) => `${payload.channel}:${payload.channelOrderId}`,
  messages: {
    'supplier.forward-requested': { schemaVersion: 1, payload: SupplierForwardRequested },
  },
});
