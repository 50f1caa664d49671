// A `stocksync start` config for CLI tests on their own embedded data folder: a 3PL and a
// Shopify channel that point nowhere (the tests drive webhooks and signals, not platforms).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/store/embedded.js';

export async function writeEngineConfig(
  dir: string,
  name: string,
  dataDir: string,
  shopWebhookSecret = 't',
  databaseUrl?: string,
): Promise<{ file: string; port: number }> {
  const port = await freePort();
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `
demo: true
server: { port: ${port}, host: 127.0.0.1 }
database: { ${databaseUrl ? `url: { env: ENGINE_DB, default: "${databaseUrl}" }, ` : ''}dataDir: ${dataDir}, embeddedPort: ${await freePort()} }
connections:
  - { id: wh, kind: warehouse, platform: warehouse, baseUrl: "http://127.0.0.1:9/warehouse/x", credentials: { apiToken: { env: WH_TOKEN, default: t } } }
  - { id: shop, kind: channel, platform: shopify, baseUrl: "http://127.0.0.1:9/shopify/x",
      credentials: { accessToken: { env: SHOP_TOKEN, default: t }, webhookSecret: { env: SHOP_SECRET, default: ${shopWebhookSecret} } } }
skus:
  - { sku: MUG, listings: { shop: {} } }
`,
  );
  return { file, port };
}
