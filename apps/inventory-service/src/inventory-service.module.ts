import { Module } from '@nestjs/common';
import { PlatformModule } from '@libs/runtime';

@Module({
  imports: [PlatformModule.forApp({ name: 'inventory-service', defaultPort: 3001 })],
})
export class InventoryServiceModule {}
