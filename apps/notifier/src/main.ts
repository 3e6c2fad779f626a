import 'reflect-metadata';
import { runMain } from '@libs/runtime';
import { NotifierModule } from './notifier.module';

runMain(NotifierModule);
