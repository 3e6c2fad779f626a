import { Module } from '@nestjs/common';
import { PlatformModule } from '@libs/runtime';

@Module({
  imports: [PlatformModule.forApp({ name: 'connector-taobao', defaultPort: 3010 })],
})
export class ConnectorTaobaoModule {}
