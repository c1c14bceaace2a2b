/**
 * How figures read on screen: energy in kWh rounded to what an operator can act on, efficiency
 * (a ratio in the API) as a percentage, instants in the browser's own time zone.
 */

export const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

const numberFormats = new Map<number, Intl.NumberFormat>();
function fixed(digits: number): Intl.NumberFormat {
  let format = numberFormats.get(digits);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    numberFormats.set(digits, format);
  }
  return format;
}

/** Fewer decimals as the figure grows: 1,234 kWh, 56.7 kWh, 8.90 kWh, 0.012 kWh. */
export function kwhDigits(value: number): number {
  const size = Math.abs(value);
  if (size >= 100) return 0;
  if (size >= 10) return 1;
  if (size >= 0.1 || size === 0) return 2;
  return 3;
}

export function kwh(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return `${fixed(kwhDigits(value)).format(value)} kWh`;
}

/** A ratio as a percentage with one decimal: 0.8765 → 87.7 %. */
export function percent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return '—';
  return `${fixed(1).format(ratio * 100)} %`;
}

export function celsius(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return `${fixed(1).format(value)} °C`;
}

export function count(value: number): string {
  return fixed(0).format(value);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** An ISO instant in the browser's zone: "Nov 26, 2026, 11:00 AM". */
export function instant(iso: string | null | undefined): string {
  if (!iso) return '—';
  return dateTime.format(new Date(iso));
}

/** A window [from, to) in the browser's zone, the date written once when both are on one day. */
export function windowText(from: string, to: string): string {
  const start = new Date(from);
  const end = new Date(to);
  const sameDay = start.toDateString() === new Date(end.getTime() - 1).toDateString();
  return sameDay && end.getTime() - start.getTime() < 86_400_000
    ? `${dateTime.format(start)} – ${timeOnly.format(end)}`
    : `${dateTime.format(start)} – ${dateTime.format(end)}`;
}

/** How long ago an instant was: "3 min ago", "2 h ago", "4 d ago". */
export function ago(iso: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((now - new Date(iso).getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h ago`;
  return `${Math.round(minutes / 1440)} d ago`;
}

export const STATUS_LABELS: Record<string, string> = {
  ok: 'ok',
  below_threshold: 'below threshold',
  insufficient_data: 'insufficient data',
};
