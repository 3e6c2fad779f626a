import 'reflect-metadata';
import { runMain } from '@libs/runtime';
import { ApiModule } from './api.module';

runMain(ApiModule);
