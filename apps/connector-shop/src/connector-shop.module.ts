import { Module } from '@nestjs/common';
import { ChannelConnectorModule, connectorConfig } from '@libs/channels';
import { PlatformModule } from '@libs/runtime';
import { shopConnector } from './shop.connector';

@Module({
  imports: [
    PlatformModule.forApp({
      name: 'connector-shop',
      defaultPort: 3013,
      config: [connectorConfig(shopConnector.defaults)],
    }),
    ChannelConnectorModule.forPlatform(shopConnector),
  ],
})
export class ConnectorShopModule {}
