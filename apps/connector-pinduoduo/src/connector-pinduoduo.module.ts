import { Module } from '@nestjs/common';
import { PlatformModule } from '@libs/runtime';

@Module({
  imports: [PlatformModule.forApp({ name: 'connector-pinduoduo', defaultPort: 3011 })],
})
export class ConnectorPinduoduoModule {}
