// The catalogue version (migration 003), bumped by every catalogue sync.
import type { Queryable } from './db.js';

/**
 * Fails with SQLSTATE SS409 unless the catalogue is still at `version` (migration 004):
 * the guard of a write computed from a cached copy of the catalogue.
 */
export async function expectCatalogVersion(tx: Queryable, version: number): Promise<void> {
  await tx.query({ name: 'catalog_version_expect', text: 'SELECT stocksync_expect_catalog_version($1)', values: [version] });
}

/** A catalogue sync changed listings, policies or overrides: cached copies are stale. */
export async function bumpCatalogVersion(tx: Queryable): Promise<void> {
  await tx.query({ name: 'catalog_version_bump', text: `UPDATE catalog_version SET version = version + 1`, values: [] });
}
