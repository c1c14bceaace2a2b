/**
 * Epoch microseconds as ISO-8601 UTC: `…T10:00:00.123Z`, or `…T10:00:00.123456Z` when the instant
 * carries sub-millisecond digits (never rounded away).
 */
export function isoFromMicros(micros: string): string {
  const value = BigInt(micros);
  const millis = value / 1000n;
  const subMillis = value % 1000n;
  const iso = new Date(Number(millis)).toISOString();
  return subMillis === 0n ? iso : iso.replace(/Z$/, `${String(subMillis).padStart(3, '0')}Z`);
}
