// Default SP-API usage plans per operation, the one place to change them.
// Sources (checked in the docs corpus, late 2026):
// - Listings Items API rate limits page, v2021-08-01: patchListingsItem and getListingsItem
//   5 requests/s per account-application pair, burst 5. The operation's own reference page
//   still shows "Rate 5 | Burst 10"; the rate-limits page is newer, so burst 5 is used
//   (unverified).
// - searchListingsItems reference page (2021-08-01): rate 5, burst 5; up to 20 identifiers
//   a call, pageSize at most 20 (default 10).
// - Orders API v0 (the official SDK's client rate table): getOrders 0.0167/s burst 20;
//   getOrder and getOrderItems 0.5/s burst 30.
// - Reports API 2021-06-30 (the operations' reference, in the official models): createReport
//   0.0167/s burst 15, getReport 2/s burst 15, getReportDocument 0.0167/s burst 15.
// - FBA Inventory API v1 (the operation's usage plan in the official models):
//   getInventorySummaries 2/s burst 2.
export type AmazonOperation =
  | 'patchListingsItem'
  | 'getListingsItem'
  | 'searchListingsItems'
  | 'getOrders'
  | 'getOrder'
  | 'getOrderItems'
  | 'createReport'
  | 'getReport'
  | 'getReportDocument'
  | 'getInventorySummaries';

export interface UsagePlan {
  /** Tokens restored per second. */
  rate: number;
  /** Bucket size. */
  burst: number;
}

export const AMAZON_USAGE_PLANS: Readonly<Record<AmazonOperation, UsagePlan>> = {
  patchListingsItem: { rate: 5, burst: 5 },
  getListingsItem: { rate: 5, burst: 5 },
  searchListingsItems: { rate: 5, burst: 5 },
  getOrders: { rate: 0.0167, burst: 20 },
  getOrder: { rate: 0.5, burst: 30 },
  getOrderItems: { rate: 0.5, burst: 30 },
  createReport: { rate: 0.0167, burst: 15 },
  getReport: { rate: 2, burst: 15 },
  getReportDocument: { rate: 0.0167, burst: 15 },
  getInventorySummaries: { rate: 2, burst: 2 },
};

/** Amazon's 429 body text for QuotaExceeded. */
export const QUOTA_EXCEEDED_MESSAGE = 'You exceeded your quota for the requested resource.';
