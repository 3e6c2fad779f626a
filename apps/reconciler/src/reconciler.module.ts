import { Module } from '@nestjs/common';
import { PlatformModule } from '@libs/runtime';

@Module({
  imports: [PlatformModule.forApp({ name: 'reconciler', defaultPort: 3003 })],
})
export class ReconcilerModule {}
