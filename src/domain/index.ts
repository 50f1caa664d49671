// The pure domain: types, quantities, ATS, bundles, buffers, ledger, claim lifecycle,
// stock by location, claim routing and partitioning over overlapping sources.
export * from './types.js';
export * from './quantities.js';
export * from './ats.js';
export * from './bundles.js';
export * from './buffers.js';
export * from './buffer-modes.js';
export * from './ledger.js';
export * from './claims.js';
export * from './locations.js';
export * from './source-sets.js';
export * from './source-partitioning.js';
export * from './routing.js';
export * from './sku-keys.js';
