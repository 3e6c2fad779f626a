import type { Type } from '@nestjs/common';
import { ApiModule } from '../apps/api/src/api.module';
import { ConnectorMiniprogramModule } from '../apps/connector-miniprogram/src/connector-miniprogram.module';
import { ConnectorPinduoduoModule } from '../apps/connector-pinduoduo/src/connector-pinduoduo.module';
import { ConnectorShopModule } from '../apps/connector-shop/src/connector-shop.module';
import { ConnectorTaobaoModule } from '../apps/connector-taobao/src/connector-taobao.module';
import { InventoryServiceModule } from '../apps/inventory-service/src/inventory-service.module';
import { ProjectorModule } from '../apps/projector/src/projector.module';
import { ReconcilerModule } from '../apps/reconciler/src/reconciler.module';

/** Every deployable app, by the name its process reports. */
export const APPS: Record<string, Type<unknown>> = {
  'inventory-service': InventoryServiceModule,
  projector: ProjectorModule,
  reconciler: ReconcilerModule,
  'connector-taobao': ConnectorTaobaoModule,
  'connector-pinduoduo': ConnectorPinduoduoModule,
  'connector-miniprogram': ConnectorMiniprogramModule,
  'connector-shop': ConnectorShopModule,
  api: ApiModule,
};
