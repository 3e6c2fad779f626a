import 'reflect-metadata';
import { runMain } from '@libs/runtime';
import { InventoryServiceModule } from './inventory-service.module';

runMain(InventoryServiceModule);
