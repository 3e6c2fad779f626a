import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AlertPublisher, MessageBus } from '@libs/messaging';
import { EventStoreModule, MessagingModule, PlatformModule, ServiceTokenGuard } from '@libs/runtime';
import { reconcilerConfig } from './reconciler.config';
import { ReconciliationService } from './reconciliation.service';
import { ReconciliationsHttpController } from './reconciliations.http.controller';

@Module({
  imports: [
    PlatformModule.forApp({ name: 'reconciler', defaultPort: 3003, config: [reconcilerConfig] }),
    EventStoreModule,
    // Only to publish drift alerts on stock.alerts; the reconciler consumes nothing.
    MessagingModule.forRoot(),
    ScheduleModule.forRoot(),
  ],
  controllers: [ReconciliationsHttpController],
  // Default deny: a run pushes corrections to every platform, so every route but /health and /metrics needs the
  // service token (the operations API and the CLI send it).
  providers: [
    ReconciliationService,
    {
      provide: AlertPublisher,
      useFactory: (bus: MessageBus) => new AlertPublisher(bus),
      inject: [MessageBus],
    },
    { provide: APP_GUARD, useClass: ServiceTokenGuard },
  ],
})
export class ReconcilerModule {}
