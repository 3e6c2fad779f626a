import { Module } from '@nestjs/common';
import { PlatformModule } from '@libs/runtime';

@Module({
  imports: [PlatformModule.forApp({ name: 'connector-miniprogram', defaultPort: 3012 })],
})
export class ConnectorMiniprogramModule {}
