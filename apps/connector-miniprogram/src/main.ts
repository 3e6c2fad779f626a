import 'reflect-metadata';
import { runMain } from '@libs/runtime';
import { ConnectorMiniprogramModule } from './connector-miniprogram.module';

runMain(ConnectorMiniprogramModule);
