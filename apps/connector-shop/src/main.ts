import 'reflect-metadata';
import { runMain } from '@libs/runtime';
import { ConnectorShopModule } from './connector-shop.module';

runMain(ConnectorShopModule);
