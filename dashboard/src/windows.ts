/**
 * Report windows the operator picks, computed in the browser's zone. The fleet report reads hourly
 * roll-ups, so every window is on whole UTC hours: exact local days wherever the zone's offset is a
 * whole number of hours, widened to the surrounding UTC hours elsewhere (e.g. +05:30).
 */

export const PRESETS = {
  last24h: 'Last 24 hours',
  today: 'Today',
  yesterday: 'Yesterday',
  last7d: 'Last 7 days',
} as const;
export type Preset = keyof typeof PRESETS;

const HOUR_MS = 3_600_000;

export interface Window {
  from: string;
  to: string;
}

const floorHour = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
const ceilHour = (ms: number): number => Math.ceil(ms / HOUR_MS) * HOUR_MS;

function localMidnight(now: Date, daysBack: number): number {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - daysBack).getTime();
}

export function isPreset(value: string | null): value is Preset {
  return value !== null && Object.hasOwn(PRESETS, value);
}

export function presetWindow(preset: Preset, now = new Date()): Window {
  const endOfHour = ceilHour(now.getTime()); // the current hour counts up to now, as the API's default
  let from: number;
  let to = endOfHour;
  switch (preset) {
    case 'last24h':
      from = to - 24 * HOUR_MS;
      break;
    case 'today':
      from = floorHour(localMidnight(now, 0));
      break;
    case 'yesterday':
      from = floorHour(localMidnight(now, 1));
      to = ceilHour(localMidnight(now, 0));
      break;
    case 'last7d':
      from = to - 7 * 24 * HOUR_MS;
      break;
  }
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}
