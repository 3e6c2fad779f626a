import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import {
  MAX_CATALOGUE_PAGE_SIZE,
  MAX_NOTICES_PER_BATCH,
  MAX_ORDER_QUANTITY,
  MAX_SECRET_LENGTH,
  SUPPLIER_ERROR_STATUS,
} from './contract';

// The written contract (openapi.yaml) and the code that enforces it say the same thing.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an OpenAPI document, read for the few fields compared
const spec = load(readFileSync(join(__dirname, '..', 'openapi.yaml'), 'utf8')) as Record<string, any>;
const schemas = spec.components.schemas;

describe('openapi.yaml', () => {
  it('lists every error code the code answers with, and no other', () => {
    expect([...schemas.Error.properties.code.enum].sort()).toEqual(Object.keys(SUPPLIER_ERROR_STATUS).sort());
  });

  it('documents each error code under the HTTP status the code gives it', () => {
    const text = readFileSync(join(__dirname, '..', 'openapi.yaml'), 'utf8');
    const order = spec.paths['/v1/orders'].post.responses;
    for (const [code, status] of Object.entries(SUPPLIER_ERROR_STATUS)) {
      expect(text).toContain(code);
      const response =
        order[String(status)] ?? spec.paths['/v1/orders/{orderId}'].get.responses[String(status)];
      expect(response).toBeDefined();
    }
  });

  it('states the same limits', () => {
    const params = spec.paths['/v1/catalogue'].get.parameters;
    expect(params.find((p: { name: string }) => p.name === 'limit').schema.maximum).toBe(
      MAX_CATALOGUE_PAGE_SIZE,
    );
    expect(schemas.PlaceOrderRequest.properties.quantity.maximum).toBe(MAX_ORDER_QUANTITY);
    expect(schemas.Order.properties.cards.items.properties.secret.maxLength).toBe(MAX_SECRET_LENGTH);
    expect(
      spec.webhooks.stockNotice.post.requestBody.content['application/json'].schema.properties.notices
        .maxItems,
    ).toBe(MAX_NOTICES_PER_BATCH);
  });
});
