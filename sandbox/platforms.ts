/**
 * Importing this module registers every platform simulator (each module calls
 * registerPlatform at import time). One line per platform.
 */
import './shopify/index.js';
// WooCommerce, Amazon and the warehouse register here, e.g.:
// import './woocommerce/index.js';
// import './amazon/index.js';
// import './warehouse/index.js';
import './woocommerce/index.js';
import './amazon/index.js';
import './warehouse/index.js';
