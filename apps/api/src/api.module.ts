import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { EventStoreModule, MessagingModule, PlatformModule } from '@libs/runtime';
import { suppliersConfig } from '@libs/suppliers';
import { AdjustStockHttpController } from './adjustments/adjust-stock.http.controller';
import { AlertsHttpController } from './alerts/alerts.http.controller';
import { apiConfig, cardVaultConfig } from './api.config';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeysHttpController } from './auth/api-keys.http.controller';
import { ApiKeysRepository } from './auth/api-keys.repository';
import { ApiMigrationsRunner } from './auth/api-migrations.runner';
import { AuthService } from './auth/auth.service';
import { MeHttpController } from './auth/me.http.controller';
import { CardKeyImportsRepository } from './card-keys/card-key-imports.repository';
import { cardVaultProvider } from './card-keys/card-vault.provider';
import { CatalogueImportsRepository } from './catalogue/catalogue-imports.repository';
import { catalogueSyncConfig } from './catalogue-syncs/catalogue-sync.config';
import { CatalogueSyncMetrics } from './catalogue-syncs/catalogue-sync-metrics';
import { CatalogueSyncScheduler } from './catalogue-syncs/catalogue-sync.scheduler';
import { CatalogueSyncsHttpController } from './catalogue-syncs/catalogue-syncs.http.controller';
import { CatalogueSyncsRepository } from './catalogue-syncs/catalogue-syncs.repository';
import { CatalogueSyncs } from './catalogue-syncs/catalogue-syncs.service';
import { ImportCatalogueHandler } from './catalogue/import-catalogue.handler';
import { ImportCatalogueHttpController } from './catalogue/import-catalogue.http.controller';
import { ImportCardKeysHandler } from './card-keys/import-card-keys.handler';
import { ImportTemplatesHttpController } from './uploads/import-templates.http.controller';
import { ImportCardKeysHttpController } from './card-keys/import-card-keys.http.controller';
import { SetChannelPolicyHttpController } from './channel-policies/set-channel-policy.http.controller';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { ApiMetrics } from './common/api-metrics';
import { IdempotencyKeyPruner } from './common/idempotency-key-pruner';
import { IdempotencyKeys } from './common/idempotency-keys';
import { InventoryCommands } from './common/inventory-commands.service';
import { InventoryLaneRepliesController, inventoryLaneProvider } from './common/inventory-lane';
import { OpenApiDocs } from './common/openapi-docs';
import { ReadModelsModule } from './common/read-models.module';
import { RequestMetricsMiddleware } from './common/request-metrics.middleware';
import { createValidationPipe } from './common/validation';
import { DeadLettersHttpController } from './dead-letters/dead-letters.http.controller';
import { DiversionHttpController } from './diversion/diversion.http.controller';
import { OrderRulesHttpController } from './order-rules/order-rules.http.controller';
import { DeadLetters } from './dead-letters/dead-letters.service';
import { DedicatedPoolsHttpController } from './dedicated-pools/dedicated-pools.http.controller';
import { ProjectionQuarantineHttpController } from './projection-quarantine/projection-quarantine.http.controller';
import { ConsoleModule } from './console/console.module';
import { ReconcilerClient } from './reconciliations/reconciler-client';
import { ReconciliationsHttpController } from './reconciliations/reconciliations.http.controller';
import { CardKeyUnitsHttpController } from './card-keys/card-key-units.http.controller';
import { OrderActionsHttpController } from './orders/order-actions.http.controller';
import { OrdersHttpController } from './orders/orders.http.controller';
import { ReservationsHttpController } from './reservations/reservations.http.controller';
import { ReceiveStockHttpController } from './skus/receive-stock.http.controller';
import { ChangeSkuSettingsHttpController } from './skus/change-sku-settings.http.controller';
import { RegisterSkuHttpController } from './skus/register-sku.http.controller';
import { SkuEventsHttpController } from './skus/sku-events.http.controller';
import { SkuDecisionSettingsHttpController } from './skus/sku-decision-settings.http.controller';
import { SkuQueriesHttpController } from './skus/sku-queries.http.controller';
import { AfterSalesMessageController } from './tickets/after-sales.message.controller';
import { TicketAnswers } from './tickets/ticket-answers';
import { OrderTicketsHttpController, TicketsHttpController } from './tickets/tickets.http.controller';
import { TicketsRepository } from './tickets/tickets.repository';
import { ConfiguredSuppliers } from './supply/configured-suppliers';
import { SupplyHttpController } from './supply/supply.http.controller';
import { PricingHttpController } from './pricing/pricing.http.controller';
import { ReportsHttpController } from './reports/reports.http.controller';
import { replenishmentConfig } from './replenishment/replenishment.config';
import { ReplenishmentHttpController } from './replenishment/replenishment.http.controller';
import { replenishmentProviders } from './replenishment/replenishment.providers';

/** The operations REST API: /v1 (API keys, roles, rate limit), OpenAPI at /docs, plus /health and /metrics. */
@Module({
  imports: [
    PlatformModule.forApp({
      name: 'api',
      defaultPort: 3000,
      config: [apiConfig, cardVaultConfig, suppliersConfig, catalogueSyncConfig, replenishmentConfig],
    }),
    EventStoreModule,
    // Writes go to each SKU's owner through the SKU lane (see InventoryCommands).
    MessagingModule.forRoot(),
    // Reads of the projector's tables and the reconciliation reports (TypeORM repositories).
    ReadModelsModule,
    // The operations console (apps/console, built into dist/console) under /console.
    ConsoleModule.register(),
  ],
  controllers: [
    ApiKeysHttpController,
    MeHttpController,
    RegisterSkuHttpController,
    ChangeSkuSettingsHttpController,
    SkuQueriesHttpController,
    SkuDecisionSettingsHttpController,
    SkuEventsHttpController,
    ReceiveStockHttpController,
    SetChannelPolicyHttpController,
    DedicatedPoolsHttpController,
    AdjustStockHttpController,
    ReservationsHttpController,
    OrdersHttpController,
    OrderActionsHttpController,
    CardKeyUnitsHttpController,
    AlertsHttpController,
    ReconciliationsHttpController,
    ProjectionQuarantineHttpController,
    DeadLettersHttpController,
    ImportCardKeysHttpController,
    ImportCatalogueHttpController,
    // 主站 → 分站: a supplier's catalogue previewed and applied; a supplier SKU's suppliers.
    CatalogueSyncsHttpController,
    SupplyHttpController,
    PricingHttpController,
    // Sales, stock turnover, repeat purchase, fulfilment time and order failures (docs/reference/reports.md).
    ReportsHttpController,
    // Sales velocity, days of cover and suggested reorders (libs/replenishment).
    ReplenishmentHttpController,
    // 串货 rules, versioned, and the alerts the notifier's diversion engine raised (libs/diversion).
    DiversionHttpController,
    // Order rules (订单自动化): hold, priority, route, refuse; applied in each placement's decision.
    OrderRulesHttpController,
    ImportTemplatesHttpController,
    // The SKU lane's replies: an @EventPattern consumer on the message bus transport (startApp connects it).
    InventoryLaneRepliesController,
    OrderTicketsHttpController,
    TicketsHttpController,
    // Platform after-sales cases (stock.after-sales) open tickets.
    AfterSalesMessageController,
  ],
  providers: [
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
    ApiMigrationsRunner,
    ApiMetrics,
    ApiKeysRepository,
    AuthService,
    ApiKeyGuard,
    IdempotencyKeys,
    IdempotencyKeyPruner,
    inventoryLaneProvider,
    InventoryCommands,
    cardVaultProvider,
    CardKeyImportsRepository,
    ImportCardKeysHandler,
    CatalogueImportsRepository,
    ImportCatalogueHandler,
    ConfiguredSuppliers,
    CatalogueSyncsRepository,
    CatalogueSyncMetrics,
    CatalogueSyncs,
    CatalogueSyncScheduler,
    ReconcilerClient,
    OpenApiDocs,
    TicketsRepository,
    TicketAnswers,
    DeadLetters,
    ...replenishmentProviders,
  ],
})
export class ApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestMetricsMiddleware).forRoutes('v1/*path');
  }
}
