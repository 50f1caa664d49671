// How numbers, durations and times read on the dashboard: every number with its unit.

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

export const count = (n: number): string => integer.format(n);

/** Units of stock: "1 unit", "12 units". */
export const units = (n: number): string => `${count(n)} ${Math.abs(n) === 1 ? 'unit' : 'units'}`;

/** A duration in milliseconds, in the largest unit that keeps it readable. */
export function duration(ms: number): string {
  if (ms < 1000) return `${integer.format(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${oneDecimal.format(s)} s`;
  const m = s / 60;
  if (m < 60) return `${oneDecimal.format(m)} min`;
  const h = m / 60;
  if (h < 48) return `${oneDecimal.format(h)} h`;
  return `${oneDecimal.format(h / 24)} days`;
}

/** "12 s ago", "never". */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  return `${duration(Math.max(0, now - Date.parse(iso)))} ago`;
}

/** Local date and time to the second. */
export function time(iso: string | null): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
}

export const signed = (n: number): string => (n > 0 ? `+${count(n)}` : count(n));

export const perMinute = (n: number): string => `${oneDecimal.format(n)}/min`;
