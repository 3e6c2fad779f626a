import { Module } from '@nestjs/common';
import { EventStoreModule, MessagingModule, PlatformModule } from '@libs/runtime';
import { projectorConfig } from './projector.config';
import { ProjectorLifecycle, projectorProviders } from './projector.providers';

@Module({
  imports: [
    PlatformModule.forApp({ name: 'projector', defaultPort: 3002, config: [projectorConfig] }),
    EventStoreModule,
    MessagingModule.forRoot(),
  ],
  providers: [...projectorProviders, ProjectorLifecycle],
})
export class ProjectorModule {}
