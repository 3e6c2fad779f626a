import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { cardVaultConfig } from '@libs/card-vault';
import {
  MessagingModule,
  PlatformModule,
  RAW_BODY_ROUTES,
  RawBodyRoutes,
  ServiceTokenGuard,
} from '@libs/runtime';
import { suppliersConfig } from '@libs/suppliers';
import { supplierConnectorConfig } from './supplier-connector.config';
import { CALLBACKS_PATH, NOTICES_PATH, SupplierConnectorRuntime } from './supplier-connector.runtime';
import { SupplierInboundController } from './supplier-inbound.controller';
import { SupplierOrdersConsumer } from './supplier-orders.consumer';

/**
 * The supplier connector (货源 / 主站): the one writer to the upstream suppliers. It keeps supplier-backed SKUs on
 * their suppliers' stock (polls and signed notices) and forwards their paid orders (一键代发).
 */
@Module({
  imports: [
    PlatformModule.forApp({
      name: 'connector-supplier',
      defaultPort: 3014,
      config: [supplierConnectorConfig, suppliersConfig, cardVaultConfig],
    }),
    MessagingModule.forRoot(),
  ],
  controllers: [SupplierInboundController, SupplierOrdersConsumer],
  providers: [
    SupplierConnectorRuntime,
    {
      provide: RAW_BODY_ROUTES,
      inject: [RawBodyRoutes],
      useFactory: (routes: RawBodyRoutes) => {
        routes.add(NOTICES_PATH);
        return routes.add(CALLBACKS_PATH);
      },
    },
    // Default deny: every route but the signed supplier posts, /health and /metrics needs the service token.
    { provide: APP_GUARD, useClass: ServiceTokenGuard },
  ],
})
export class ConnectorSupplierModule {}
