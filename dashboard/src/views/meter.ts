import { getJson, query } from '../api.ts';
import { energyChart } from '../chart.ts';
import { h, replaceChildren } from '../dom.ts';
import { count, kwh, percent, windowText } from '../format.ts';
import type { MeterPerformance } from '../types.ts';
import { csvButton, errorBox, figure, loading, suspectFigure } from './common.ts';
import { flaggedReadings } from './readings.ts';
import { BUCKETS, bucketOf, bucketSelect, windowOf } from './vehicle.ts';

/** A meter (depot): its AC against its vehicles' DC, each vehicle's share, idle and unattributed AC. */
export async function meterView(root: HTMLElement, meterId: string, params: URLSearchParams): Promise<void> {
  const window = windowOf(params);
  const bucket = bucketOf(params);
  const apiPath = `/v1/analytics/meters/${encodeURIComponent(meterId)}${query({ ...window, bucket })}`;
  const body = h('div', {}, loading());
  replaceChildren(
    root,
    h('p', { class: 'crumbs' }, h('a', { href: '#/fleet' }, '← fleet')),
    h('h2', {}, 'Meter ', h('span', { class: 'id', id: 'meter-id' }, meterId)),
    h(
      'div',
      { class: 'controls' },
      h('span', { class: 'window' }, windowText(window.from, window.to)),
      h(
        'label',
        {},
        'Bucket ',
        bucketSelect(bucket, (value) => {
          location.hash = `#/meter/${encodeURIComponent(meterId)}${query({ ...window, bucket: value })}`;
        }),
      ),
      csvButton('CSV: shares and buckets', () => apiPath, 'meter'),
    ),
    body,
  );

  let answer: MeterPerformance;
  try {
    answer = await getJson<MeterPerformance>(apiPath);
  } catch (error) {
    replaceChildren(body, errorBox(error));
    return;
  }
  const share = (acKwh: number): string => (answer.acKwh > 0 ? percent(acKwh / answer.acKwh) : '—');
  const chart = h('div', { class: 'chart', id: 'meter-chart' });
  replaceChildren(
    body,
    h(
      'div',
      { class: 'figures', id: 'meter-totals' },
      figure('AC measured', kwh(answer.acKwh), answer.acKwh, 'acKwh'),
      figure("vehicles' DC", kwh(answer.dcKwh), answer.dcKwh, 'dcKwh'),
      figure('efficiency', percent(answer.efficiency), answer.efficiency, 'efficiency'),
      figure('unattributed AC', kwh(answer.unattributedAcKwh), answer.unattributedAcKwh, 'unattributedAcKwh'),
      figure('idle AC', kwh(answer.idleAcKwh), answer.idleAcKwh, 'idleAcKwh'),
      figure('readings', count(answer.meterReadings), answer.meterReadings, 'meterReadings'),
      suspectFigure(answer.suspectReadings),
    ),
    h('h3', {}, 'Shares of the AC'),
    h(
      'table',
      { class: 'grid', id: 'meter-shares' },
      h('thead', {}, h('tr', {}, ...['vehicle', 'AC share', 'share', 'DC', 'efficiency'].map((c) => h('th', {}, c)))),
      h(
        'tbody',
        {},
        ...answer.vehicles.map((v) =>
          h(
            'tr',
            { 'data-vehicle-id': v.vehicleId },
            h(
              'td',
              { class: 'id' },
              h(
                'a',
                { href: `#/vehicle/${encodeURIComponent(v.vehicleId)}${query({ ...window, bucket })}` },
                v.vehicleId,
              ),
            ),
            h('td', { class: 'num', 'data-col': 'acKwh', 'data-value': v.acKwh }, kwh(v.acKwh)),
            h('td', { class: 'num', 'data-col': 'share' }, share(v.acKwh)),
            h('td', { class: 'num', 'data-col': 'dcKwh', 'data-value': v.dcKwh }, kwh(v.dcKwh)),
            h('td', { class: 'num', 'data-col': 'efficiency' }, percent(v.efficiency)),
          ),
        ),
        h(
          'tr',
          { class: 'unattributed', 'data-vehicle-id': '' },
          h('td', {}, 'unattributed (no vehicle linked)'),
          h(
            'td',
            { class: 'num', 'data-col': 'acKwh', 'data-value': answer.unattributedAcKwh },
            kwh(answer.unattributedAcKwh),
          ),
          h('td', { class: 'num', 'data-col': 'share' }, share(answer.unattributedAcKwh)),
          h('td', {}, ''),
          h('td', {}, ''),
        ),
      ),
    ),
    h('h3', {}, `AC and DC per ${BUCKETS[bucket]}`),
    chart,
  );
  energyChart(chart, answer.buckets ?? [], { dcLabel: "vehicles' DC", to: answer.to });
  body.append(await flaggedReadings('meter', meterId, window));
}
