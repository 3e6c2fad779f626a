import { Module } from '@nestjs/common';
import { EventStoreModule, MessagingModule, PlatformModule } from '@libs/runtime';
import { ChannelEventsController } from './channel-events.controller';
import { inventoryServiceConfig } from './inventory-service.config';
import { InventoryPipeline } from './inventory-pipeline';

@Module({
  imports: [
    PlatformModule.forApp({ name: 'inventory-service', defaultPort: 3001, config: [inventoryServiceConfig] }),
    EventStoreModule,
    MessagingModule.forRoot(),
  ],
  controllers: [ChannelEventsController],
  providers: [InventoryPipeline],
})
export class InventoryServiceModule {}
