import { Module } from '@nestjs/common';
import { PlatformModule } from '@libs/runtime';

@Module({
  imports: [PlatformModule.forApp({ name: 'connector-shop', defaultPort: 3013 })],
})
export class ConnectorShopModule {}
