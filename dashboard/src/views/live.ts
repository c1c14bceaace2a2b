import { getJson, query } from '../api.ts';
import { h, replaceChildren } from '../dom.ts';
import { ago, celsius, instant, kwh } from '../format.ts';
import type { MeterLive, Page, VehicleLive } from '../types.ts';
import { errorBox, loading } from './common.ts';

const PAGE = 50;

/** Devices that went silent (latest reading older than staleMinutes), and every device's latest reading. */
export async function liveView(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const staleMinutes = Math.max(1, Number(params.get('staleMinutes')) || 15);
  const input = h('input', { id: 'stale-minutes', type: 'number', min: 1, value: staleMinutes });
  input.addEventListener('change', () => {
    location.hash = `#/live${query({ staleMinutes: Number(input.value) || 15 })}`;
  });
  const sections = {
    silentMeters: h('section', { id: 'silent-meters' }, loading()),
    silentVehicles: h('section', { id: 'silent-vehicles' }, loading()),
    meters: h('section', { id: 'live-meters' }, loading()),
    vehicles: h('section', { id: 'live-vehicles' }, loading()),
  };
  replaceChildren(
    root,
    h('h2', {}, 'Live'),
    h('div', { class: 'controls' }, h('label', {}, 'Silent for more than ', input, ' minutes')),
    h('div', { class: 'columns' }, sections.silentMeters, sections.silentVehicles),
    h('div', { class: 'columns' }, sections.meters, sections.vehicles),
  );
  await Promise.all([
    list(sections.silentMeters, 'Silent meters', '/v1/meters/live', { staleMinutes }, meterRow),
    list(sections.silentVehicles, 'Silent vehicles', '/v1/vehicles/live', { staleMinutes }, vehicleRow),
    list(sections.meters, 'Meters: latest readings', '/v1/meters/live', {}, meterRow),
    list(sections.vehicles, 'Vehicles: latest readings', '/v1/vehicles/live', {}, vehicleRow),
  ]);
}

type Row<T> = { head: string[]; cells: (item: T) => Array<string | HTMLElement> };

const meterRow: Row<MeterLive> = {
  head: ['meter', 'AC', 'voltage', 'reading at', ''],
  cells: (m) => [m.meterId, kwh(m.kwhConsumedAc), `${m.voltage.toFixed(1)} V`, instant(m.timestamp), ago(m.timestamp)],
};

const vehicleRow: Row<VehicleLive> = {
  head: ['vehicle', 'DC', 'SoC', 'battery', 'reading at', ''],
  cells: (v) => [
    v.vehicleId,
    kwh(v.kwhDeliveredDc),
    `${v.soc.toFixed(1)} %`,
    celsius(v.batteryTemp),
    instant(v.timestamp),
    ago(v.timestamp),
  ],
};

async function list<T>(
  section: HTMLElement,
  title: string,
  path: string,
  filter: Record<string, number>,
  row: Row<T>,
): Promise<void> {
  const tbody = h('tbody');
  const more = h('button', { type: 'button', hidden: true }, 'more');
  let after: string | null = null;
  const load = async (): Promise<void> => {
    const page = await getJson<Page<T>>(`${path}${query({ ...filter, limit: PAGE, after })}`);
    for (const item of page.items) tbody.appendChild(h('tr', {}, ...row.cells(item).map((cell) => h('td', {}, cell))));
    after = page.nextCursor;
    more.hidden = after === null;
    if (tbody.children.length === 0) tbody.appendChild(h('tr', {}, h('td', { colspan: row.head.length }, 'none')));
  };
  more.addEventListener('click', () => void load().catch((error: unknown) => section.appendChild(errorBox(error))));
  try {
    await load();
    replaceChildren(
      section,
      h('h3', {}, title),
      h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, ...row.head.map((c) => h('th', {}, c)))), tbody),
      more,
    );
  } catch (error) {
    replaceChildren(section, h('h3', {}, title), errorBox(error));
  }
}
