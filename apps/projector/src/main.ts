import 'reflect-metadata';
import { runMain } from '@libs/runtime';
import { ProjectorModule } from './projector.module';

runMain(ProjectorModule);
