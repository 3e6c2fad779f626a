import 'reflect-metadata';
import { runMain } from '@libs/runtime';
import { ReconcilerModule } from './reconciler.module';

runMain(ReconcilerModule);
