import type { Type } from '@nestjs/common';
import { ApiModule } from '../../api/src/api.module';
import { ConnectorMiniprogramModule } from '../../connector-miniprogram/src/connector-miniprogram.module';
import { ConnectorPinduoduoModule } from '../../connector-pinduoduo/src/connector-pinduoduo.module';
import { ConnectorShopModule } from '../../connector-shop/src/connector-shop.module';
import { ConnectorSupplierModule } from '../../connector-supplier/src/connector-supplier.module';
import { ConnectorTaobaoModule } from '../../connector-taobao/src/connector-taobao.module';
import { InventoryServiceModule } from '../../inventory-service/src/inventory-service.module';
import { NotifierModule } from '../../notifier/src/notifier.module';
import { ProjectorModule } from '../../projector/src/projector.module';
import { ReconcilerModule } from '../../reconciler/src/reconciler.module';

/** Every deployable app, by the name its process reports. */
export const APPS: Record<string, Type<unknown>> = {
  'inventory-service': InventoryServiceModule,
  projector: ProjectorModule,
  reconciler: ReconcilerModule,
  'connector-taobao': ConnectorTaobaoModule,
  'connector-pinduoduo': ConnectorPinduoduoModule,
  'connector-miniprogram': ConnectorMiniprogramModule,
  'connector-shop': ConnectorShopModule,
  'connector-supplier': ConnectorSupplierModule,
  api: ApiModule,
  notifier: NotifierModule,
};
