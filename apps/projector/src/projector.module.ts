import { Module } from '@nestjs/common';
import { PlatformModule } from '@libs/runtime';

@Module({
  imports: [PlatformModule.forApp({ name: 'projector', defaultPort: 3002 })],
})
export class ProjectorModule {}
