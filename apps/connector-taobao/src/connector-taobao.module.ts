import { Module } from '@nestjs/common';
import { ChannelConnectorModule, connectorConfig } from '@libs/channels';
import { PlatformModule } from '@libs/runtime';
import { taobaoConnector } from './taobao.connector';

@Module({
  imports: [
    PlatformModule.forApp({
      name: 'connector-taobao',
      defaultPort: 3010,
      config: [connectorConfig(taobaoConnector.defaults)],
    }),
    ChannelConnectorModule.forPlatform(taobaoConnector),
  ],
})
export class ConnectorTaobaoModule {}
