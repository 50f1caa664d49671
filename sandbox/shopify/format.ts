/** Shopify's id and time spellings. */

export function gid(type: string, id: bigint | string): string {
  return `gid://shopify/${type}/${id}`;
}

/** The decimal id inside a GID of the given type, or undefined when it is not one. */
export function gidKey(value: unknown, type: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  const prefix = `gid://shopify/${type}/`;
  if (!value.startsWith(prefix)) return undefined;
  // a digit loop rather than a regex: this runs for every line of a 250-line batch
  const n = value.length - prefix.length;
  if (n < 1 || n > 20 || value.charCodeAt(prefix.length) === 48) return undefined;
  for (let i = prefix.length; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return value.slice(prefix.length);
}

/** GraphQL DateTime: UTC, second precision. */
export function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** Webhook bodies use the shop's own zone, e.g. 2026-04-01T09:00:00-04:00. */
export function isoWithOffset(d: Date, offsetMinutes: number): string {
  const local = new Date(d.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}

/** Whole seconds since the epoch: Shopify compares search dates at this precision. */
export function epochSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/** Opaque page cursor in the spirit of Shopify's: base64 of the last row's id and sort value. */
export function encodeCursor(id: string, sortValue: string = id): string {
  return Buffer.from(`{"last_id":${id},"last_value":"${sortValue}"}`).toString('base64');
}

export function decodeCursor(cursor: string): { id: bigint; value: string } | undefined {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  const m = /"last_id":(\d+),"last_value":"([^"]*)"/.exec(text);
  return m ? { id: BigInt(m[1] as string), value: m[2] as string } : undefined;
}
