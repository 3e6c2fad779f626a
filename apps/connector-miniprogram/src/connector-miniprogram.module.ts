import { Module } from '@nestjs/common';
import { ChannelConnectorModule, connectorConfig } from '@libs/channels';
import { PlatformModule } from '@libs/runtime';
import { miniprogramConnector } from './miniprogram.connector';

@Module({
  imports: [
    PlatformModule.forApp({
      name: 'connector-miniprogram',
      defaultPort: 3012,
      config: [connectorConfig(miniprogramConnector.defaults)],
    }),
    ChannelConnectorModule.forPlatform(miniprogramConnector),
  ],
})
export class ConnectorMiniprogramModule {}
