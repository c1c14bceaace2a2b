import { getJson, query } from '../api.ts';
import { energyChart } from '../chart.ts';
import { h, replaceChildren } from '../dom.ts';
import { celsius, count, instant, kwh, percent, windowText } from '../format.ts';
import type { VehiclePerformance } from '../types.ts';
import { presetWindow } from '../windows.ts';
import { csvButton, errorBox, figure, loading, statusBadge, suspectFigure } from './common.ts';
import { flaggedReadings } from './readings.ts';

export const BUCKETS = { '1h': 'hour', '15m': '15 minutes' } as const;

export function bucketOf(params: URLSearchParams): keyof typeof BUCKETS {
  return params.get('bucket') === '15m' ? '15m' : '1h';
}

export function windowOf(params: URLSearchParams): { from: string; to: string } {
  const from = params.get('from');
  const to = params.get('to');
  return from && to ? { from, to } : presetWindow('last24h');
}

export function bucketSelect(current: string, onChange: (bucket: string) => void): HTMLSelectElement {
  const select = h(
    'select',
    { id: 'bucket', onchange: () => onChange(select.value) },
    ...Object.entries(BUCKETS).map(([value, label]) => h('option', { value, selected: value === current }, label)),
  );
  return select;
}

/** One vehicle: totals, AC/DC/efficiency per bucket as a chart and a table, the meters it used. */
export async function vehicleView(root: HTMLElement, vehicleId: string, params: URLSearchParams): Promise<void> {
  const window = windowOf(params);
  const bucket = bucketOf(params);
  const apiPath = `/v1/analytics/performance/${encodeURIComponent(vehicleId)}${query({ ...window, bucket })}`;
  const body = h('div', {}, loading());
  replaceChildren(
    root,
    h('p', { class: 'crumbs' }, h('a', { href: '#/fleet' }, '← fleet')),
    h('h2', {}, 'Vehicle ', h('span', { class: 'id', id: 'vehicle-id' }, vehicleId)),
    h(
      'div',
      { class: 'controls' },
      h('span', { class: 'window' }, windowText(window.from, window.to)),
      h(
        'label',
        {},
        'Bucket ',
        bucketSelect(bucket, (value) => {
          location.hash = `#/vehicle/${encodeURIComponent(vehicleId)}${query({ ...window, bucket: value })}`;
        }),
      ),
      csvButton('CSV: buckets', () => apiPath, 'vehicle'),
    ),
    body,
  );

  let answer: VehiclePerformance;
  try {
    answer = await getJson<VehiclePerformance>(apiPath);
  } catch (error) {
    replaceChildren(body, errorBox(error));
    return;
  }
  const buckets = answer.buckets ?? [];
  const chart = h('div', { class: 'chart', id: 'vehicle-chart' });
  const showSuspect = buckets.some((b) => typeof b.suspectReadings === 'number');
  replaceChildren(
    body,
    h(
      'div',
      { class: 'figures', id: 'vehicle-totals' },
      figure('AC attributed', kwh(answer.acKwh), answer.acKwh, 'acKwh'),
      figure('DC delivered', kwh(answer.dcKwh), answer.dcKwh, 'dcKwh'),
      figure('efficiency', percent(answer.efficiency), answer.efficiency, 'efficiency'),
      h(
        'div',
        { class: 'figure', 'data-figure': 'status' },
        h('span', { class: 'label' }, 'status'),
        statusBadge(answer.status),
      ),
      figure('coverage', percent(answer.coverage), answer.coverage, 'coverage'),
      figure('battery (mean)', celsius(answer.avgBatteryTemp), answer.avgBatteryTemp, 'avgBatteryTemp'),
      figure('DC while unlinked', kwh(answer.unlinkedDcKwh), answer.unlinkedDcKwh, 'unlinkedDcKwh'),
      figure('readings (vehicle / meter)', `${count(answer.vehicleReadings)} / ${count(answer.meterReadings)}`),
      suspectFigure(answer.suspectReadings),
    ),
    chart,
    h('h3', {}, 'Meters linked in the window'),
    h(
      'table',
      { class: 'grid', id: 'vehicle-meters' },
      h('thead', {}, h('tr', {}, h('th', {}, 'meter'), h('th', {}, 'from'), h('th', {}, 'to'), h('th', {}, 'AC'))),
      h(
        'tbody',
        {},
        ...answer.meters.map((meter) =>
          h(
            'tr',
            { 'data-meter-id': meter.meterId },
            h(
              'td',
              { class: 'id' },
              h(
                'a',
                { href: `#/meter/${encodeURIComponent(meter.meterId)}${query({ ...window, bucket })}` },
                meter.meterId,
              ),
            ),
            h('td', {}, instant(meter.from)),
            h('td', {}, instant(meter.to)),
            h('td', { class: 'num', 'data-value': meter.acKwh }, kwh(meter.acKwh)),
          ),
        ),
      ),
    ),
    answer.meters.length === 0 ? h('p', { class: 'empty' }, 'Linked to no meter in this window.') : null,
    h('h3', {}, `Per ${BUCKETS[bucket]}`),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'grid', id: 'vehicle-buckets' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['from', 'AC', 'DC', 'efficiency', 'status', ...(showSuspect ? ['suspect'] : [])].map((c) =>
              h('th', {}, c),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          ...buckets.map((b) =>
            h(
              'tr',
              {},
              h('td', {}, instant(b.from)),
              h('td', { class: 'num', 'data-value': b.acKwh }, kwh(b.acKwh)),
              h('td', { class: 'num', 'data-value': b.dcKwh }, kwh(b.dcKwh)),
              h('td', { class: 'num' }, percent(b.efficiency)),
              h('td', {}, statusBadge(b.status)),
              showSuspect ? h('td', { class: 'num' }, String(b.suspectReadings ?? '')) : null,
            ),
          ),
        ),
      ),
    ),
  );
  energyChart(chart, buckets, { dcLabel: 'DC', to: answer.to });
  body.append(await flaggedReadings('vehicle', vehicleId, window));
}
