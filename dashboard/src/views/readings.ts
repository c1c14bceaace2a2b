import { getJson, query } from '../api.ts';
import { h, replaceChildren } from '../dom.ts';
import { celsius, instant, kwh } from '../format.ts';
import type { MeterReading, ReadingsPage, VehicleReading } from '../types.ts';
import { csvButton, errorBox } from './common.ts';

/** Flagged readings shown a page at a time; the CSV holds them all (the API's export limit). */
const PAGE = 50;
const EXPORT_LIMIT = 100_000;

type Kind = 'meter' | 'vehicle';

const COLUMNS: Record<Kind, string[]> = {
  meter: ['reading at', 'AC as sent', 'voltage', 'counted', 'quality', 'why'],
  vehicle: ['reading at', 'DC as sent', 'SoC', 'battery', 'counted', 'quality', 'why'],
};

function sentCells(kind: Kind, reading: MeterReading | VehicleReading): Array<string | HTMLElement> {
  if (kind === 'meter') {
    const m = reading as MeterReading;
    return [kwh(m.kwhConsumedAc), `${m.voltage.toFixed(1)} V`];
  }
  const v = reading as VehicleReading;
  return [kwh(v.kwhDeliveredDc), `${v.soc.toFixed(1)} %`, celsius(v.batteryTemp)];
}

/**
 * A device's readings in the window that are not ok (suspect: excluded from totals; glitch: a
 * register drop the next reading contradicted): what was sent, what was counted and why. Buttons download the flagged ones
 * and every reading of the window as CSV.
 */
export async function flaggedReadings(
  kind: Kind,
  deviceId: string,
  window: { from: string; to: string },
): Promise<HTMLElement> {
  const path = `/v1/${kind}s/${encodeURIComponent(deviceId)}/readings`;
  const tbody = h('tbody');
  const more = h('button', { type: 'button', id: 'flagged-more', hidden: true }, 'more');
  const section = h(
    'section',
    { id: 'flagged-readings' },
    h(
      'div',
      { class: 'controls' },
      h('h3', {}, 'Flagged readings'),
      csvButton(
        'CSV: flagged readings',
        () => `${path}${query({ ...window, quality: 'flagged', limit: EXPORT_LIMIT })}`,
        'flagged',
      ),
      csvButton('CSV: all readings', () => `${path}${query({ ...window, limit: EXPORT_LIMIT })}`, 'readings'),
    ),
  );
  let after: string | null = null;
  const load = async (): Promise<void> => {
    const page = await getJson<ReadingsPage<MeterReading | VehicleReading>>(
      `${path}${query({ ...window, quality: 'flagged', limit: PAGE, after })}`,
    );
    for (const reading of page.items) {
      tbody.appendChild(
        h(
          'tr',
          { 'data-timestamp': reading.timestamp, 'data-quality': reading.quality },
          ...[
            instant(reading.timestamp),
            ...sentCells(kind, reading),
            kwh(reading.energyKwh),
            reading.quality,
            reading.qualityReason ?? '',
          ].map((cell) => h('td', {}, cell)),
        ),
      );
    }
    after = page.nextCursor;
    more.hidden = after === null;
  };
  more.addEventListener('click', () => void load().catch((error: unknown) => section.appendChild(errorBox(error))));
  try {
    await load();
    section.append(
      tbody.children.length === 0
        ? h('p', { class: 'empty' }, 'No flagged readings in this window.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'grid', id: 'flagged-rows' },
              h('thead', {}, h('tr', {}, ...COLUMNS[kind].map((c) => h('th', {}, c)))),
              tbody,
            ),
          ),
      more,
    );
  } catch (error) {
    replaceChildren(section, h('h3', {}, 'Flagged readings'), errorBox(error));
  }
  return section;
}
