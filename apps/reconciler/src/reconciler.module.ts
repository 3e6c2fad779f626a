import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { EventStoreModule, PlatformModule } from '@libs/runtime';
import { reconcilerConfig } from './reconciler.config';
import { ReconciliationService } from './reconciliation.service';
import { ReconciliationsHttpController } from './reconciliations.http.controller';

@Module({
  imports: [
    PlatformModule.forApp({ name: 'reconciler', defaultPort: 3003, config: [reconcilerConfig] }),
    EventStoreModule,
    ScheduleModule.forRoot(),
  ],
  controllers: [ReconciliationsHttpController],
  providers: [ReconciliationService],
})
export class ReconcilerModule {}
