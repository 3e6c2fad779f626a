import { Module } from '@nestjs/common';
import { EventStoreModule, MessagingModule, PlatformModule } from '@libs/runtime';
import { inventoryServiceConfig } from './inventory-service.config';
import { InventoryPipeline } from './inventory-pipeline';

@Module({
  imports: [
    PlatformModule.forApp({ name: 'inventory-service', defaultPort: 3001, config: [inventoryServiceConfig] }),
    EventStoreModule,
    MessagingModule.forRoot(),
  ],
  providers: [InventoryPipeline],
})
export class InventoryServiceModule {}
