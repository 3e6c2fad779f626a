import { Module } from '@nestjs/common';
import { ChannelConnectorModule, connectorConfig } from '@libs/channels';
import { PlatformModule } from '@libs/runtime';
import { pinduoduoConnector } from './pinduoduo.connector';

@Module({
  imports: [
    PlatformModule.forApp({
      name: 'connector-pinduoduo',
      defaultPort: 3011,
      config: [connectorConfig(pinduoduoConnector.defaults)],
    }),
    ChannelConnectorModule.forPlatform(pinduoduoConnector),
  ],
})
export class ConnectorPinduoduoModule {}
