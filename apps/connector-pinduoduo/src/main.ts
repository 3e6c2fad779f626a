import 'reflect-metadata';
import { runMain } from '@libs/runtime';
import { ConnectorPinduoduoModule } from './connector-pinduoduo.module';

runMain(ConnectorPinduoduoModule);
