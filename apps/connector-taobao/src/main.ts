import 'reflect-metadata';
import { runMain } from '@libs/runtime';
import { ConnectorTaobaoModule } from './connector-taobao.module';

runMain(ConnectorTaobaoModule);
