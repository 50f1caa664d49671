// Connection entries (YAML flow mappings) of the webhook registration tests' engines, on
// the sandbox's default credentials.

/** The config's head: demo mode, the server settings, the database from `dbEnv`. */
export const engineHead = (dbEnv: string, server: string) => `
demo: true
server: { host: 127.0.0.1${server ? `, ${server}` : ''} }
database: { url: { env: ${dbEnv} } }
connections:`;

export const warehouseEntry = (sandbox: string) => `
  - { id: wh, kind: warehouse, platform: shipbob, baseUrl: "${sandbox}/warehouse/wh", pollInterval: 1h, options: { location: main },
      credentials: { accessToken: { env: W1, default: sandbox-token-wh }, webhookSecret: { env: W2, default: "whsec_UJvPBl6GtZMqoqqjeJdLsbuYewHzKNR9suiKDZOxxL8=" } } }`;

export const shopifyEntry = (id: string, baseUrl: string, options = '') => `
  - { id: ${id}, kind: channel, platform: shopify, baseUrl: "${baseUrl}", pollInterval: 1h, options: { ${options} },
      credentials: { accessToken: { env: S1, default: shpat_x }, webhookSecret: { env: S2, default: sandbox-app-secret } } }`;

/** Without `secret`, a WooCommerce connection with no webhook secret. */
export const wooEntry = (id: string, baseUrl: string, secret?: string) => `
  - { id: ${id}, kind: channel, platform: woocommerce, baseUrl: "${baseUrl}", pollInterval: 1h,
      credentials: { consumerKey: { env: C1_${id.toUpperCase()}, default: ck_${baseUrl.split('/').pop()} }, consumerSecret: { env: C2_${id.toUpperCase()}, default: cs_${baseUrl.split('/').pop()} }${
        secret ? `, webhookSecret: { env: C3_${id.toUpperCase()}, default: ${secret} }` : ''
      } } }`;
