import 'reflect-metadata';
import { runMain } from '@libs/runtime';
import { ConnectorSupplierModule } from './connector-supplier.module';

runMain(ConnectorSupplierModule);
