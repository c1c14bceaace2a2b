import { getJson, query } from '../api.ts';
import { escapeHtml, h, replaceChildren } from '../dom.ts';
import { celsius, count, kwh, percent, STATUS_LABELS, windowText } from '../format.ts';
import type { FleetReport } from '../types.ts';
import { isPreset, PRESETS, presetWindow, type Preset } from '../windows.ts';
import { csvButton, errorBox, figure, loading, suspectFigure } from './common.ts';

const PAGE_SIZES = [100, 500, 1000];
const CSV_EXPORT_MAX = 100_000;

interface FleetState {
  preset: Preset;
  status: string;
  meterId: string;
  offset: number;
  limit: number;
}

function stateOf(params: URLSearchParams): FleetState {
  const preset = params.get('preset');
  const limit = Number(params.get('limit'));
  return {
    preset: isPreset(preset) ? preset : 'last24h',
    status: params.get('status') ?? '',
    meterId: params.get('meterId') ?? '',
    offset: Math.max(0, Number(params.get('offset')) || 0),
    limit: PAGE_SIZES.includes(limit) ? limit : PAGE_SIZES[0]!,
  };
}

function hashOf(state: FleetState): string {
  return `#/fleet${query({ ...state, offset: state.offset || undefined })}`;
}

/** The fleet report: worst efficiency first, a page of rows at a time, filters by status and meter. */
export async function fleetView(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const state = stateOf(params);
  const window = presetWindow(state.preset);
  const go = (change: Partial<FleetState>): void => {
    location.hash = hashOf({ ...state, offset: 0, ...change });
  };
  const apiQuery = (overrides: Record<string, string | number> = {}): string =>
    `/v1/analytics/fleet${query({
      from: window.from,
      to: window.to,
      status: state.status,
      meterId: state.meterId,
      limit: state.limit,
      offset: state.offset,
      ...overrides,
    })}`;

  const presetSelect = h(
    'select',
    { id: 'fleet-window', onchange: () => go({ preset: presetSelect.value as Preset }) },
    ...Object.entries(PRESETS).map(([value, label]) => h('option', { value, selected: value === state.preset }, label)),
  );
  const statusSelect = h(
    'select',
    { id: 'fleet-status', onchange: () => go({ status: statusSelect.value }) },
    h('option', { value: '' }, 'all'),
    ...Object.entries(STATUS_LABELS).map(([value, label]) =>
      h('option', { value, selected: value === state.status }, label),
    ),
  );
  const meterInput = h('input', {
    id: 'fleet-meter',
    type: 'search',
    placeholder: 'meter id',
    value: state.meterId,
    onchange: () => go({ meterId: meterInput.value.trim() }),
  });
  const sizeSelect = h(
    'select',
    { id: 'fleet-limit', onchange: () => go({ limit: Number(sizeSelect.value) }) },
    ...PAGE_SIZES.map((size) => h('option', { value: size, selected: size === state.limit }, `${size} rows`)),
  );
  const summary = h('div', { class: 'figures', id: 'fleet-summary' }, loading());
  const table = h('div', { class: 'table-wrap', id: 'fleet-table' });
  const pager = h('div', { class: 'pager', id: 'fleet-pager' });

  replaceChildren(
    root,
    h('h2', {}, 'Fleet'),
    h(
      'div',
      { class: 'controls' },
      h('label', {}, 'Window ', presetSelect),
      h('label', {}, 'Status ', statusSelect),
      h('label', {}, 'Meter ', meterInput),
      h('label', {}, 'Page ', sizeSelect),
      csvButton('CSV: this page', () => apiQuery(), 'fleet-page'),
      csvButton('CSV: all matching', () => apiQuery({ offset: 0, limit: CSV_EXPORT_MAX }), 'fleet-all'),
    ),
    summary,
    table,
    pager,
  );

  let report: FleetReport;
  try {
    report = await getJson<FleetReport>(apiQuery());
  } catch (error) {
    replaceChildren(summary, errorBox(error));
    return;
  }

  replaceChildren(
    summary,
    figure('window', windowText(report.from, report.to), `${report.from}/${report.to}`, 'window'),
    figure('threshold', percent(report.threshold), report.threshold, 'threshold'),
    figure('vehicles', count(report.total), report.total, 'total'),
    figure('below threshold', count(report.totalBelowThreshold), report.totalBelowThreshold, 'totalBelowThreshold'),
    figure(
      'insufficient data',
      count(report.totalInsufficientData),
      report.totalInsufficientData,
      'totalInsufficientData',
    ),
    figure('matching', count(report.matching), report.matching, 'matching'),
    suspectFigure(report.suspectReadings),
  );
  table.innerHTML = fleetTableHtml(report, window);
  table.querySelector('tbody')?.addEventListener('click', (event) => {
    const target = event.target as HTMLElement;
    if (target.closest('a')) return; // the meter link
    const row = target.closest<HTMLTableRowElement>('tr[data-vehicle-id]');
    if (row) location.hash = row.dataset.href!;
  });

  const first = report.matching === 0 ? 0 : report.offset + 1;
  const lastRow = report.offset + report.items.length;
  const lastPageOffset = Math.max(0, Math.floor((report.matching - 1) / report.limit) * report.limit);
  replaceChildren(
    pager,
    h(
      'button',
      { type: 'button', disabled: report.offset === 0, onclick: () => go({ ...state, offset: 0 }) },
      '« first',
    ),
    h(
      'button',
      {
        type: 'button',
        id: 'fleet-prev',
        disabled: report.offset === 0,
        onclick: () => go({ ...state, offset: Math.max(0, report.offset - report.limit) }),
      },
      '‹ previous',
    ),
    h('span', { id: 'fleet-range' }, `${count(first)}–${count(lastRow)} of ${count(report.matching)}`),
    h(
      'button',
      {
        type: 'button',
        id: 'fleet-next',
        disabled: report.nextOffset === null,
        onclick: () => go({ ...state, offset: report.nextOffset ?? report.offset }),
      },
      'next ›',
    ),
    h(
      'button',
      {
        type: 'button',
        disabled: report.nextOffset === null,
        onclick: () => go({ ...state, offset: lastPageOffset }),
      },
      'last »',
    ),
  );
}

/** Up to 1,000 rows as one string: one layout instead of one per row. Text is escaped. */
function fleetTableHtml(report: FleetReport, window: { from: string; to: string }): string {
  const showSuspect = report.items.some((item) => typeof item.suspectReadings === 'number');
  const head = [
    '#',
    'vehicle',
    'meter',
    'status',
    'efficiency',
    'AC',
    'DC',
    'coverage',
    'battery',
    ...(showSuspect ? ['suspect'] : []),
  ];
  const windowQuery = query({ from: window.from, to: window.to });
  const rows = report.items.map((item, index) => {
    const vehicle = escapeHtml(item.vehicleId);
    const meter = escapeHtml(item.meterId);
    const href = escapeHtml(`#/vehicle/${encodeURIComponent(item.vehicleId)}${windowQuery}`);
    const meterHref = escapeHtml(`#/meter/${encodeURIComponent(item.meterId)}${windowQuery}`);
    const cells = [
      `<td class="num">${report.offset + index + 1}</td>`,
      `<td class="id" data-col="vehicleId"><a href="${href}">${vehicle}</a></td>`,
      `<td class="id" data-col="meterId"><a href="${meterHref}">${meter}</a></td>`,
      `<td data-col="status"><span class="status status-${item.status}">${escapeHtml(STATUS_LABELS[item.status] ?? item.status)}</span></td>`,
      `<td class="num" data-col="efficiency" data-value="${item.efficiency ?? ''}">${percent(item.efficiency)}</td>`,
      `<td class="num" data-col="acKwh" data-value="${item.acKwh}">${kwh(item.acKwh)}</td>`,
      `<td class="num" data-col="dcKwh" data-value="${item.dcKwh}">${kwh(item.dcKwh)}</td>`,
      `<td class="num" data-col="coverage" data-value="${item.coverage}">${percent(item.coverage)}</td>`,
      `<td class="num" data-col="avgBatteryTemp">${celsius(item.avgBatteryTemp)}</td>`,
      ...(showSuspect ? [`<td class="num" data-col="suspectReadings">${item.suspectReadings ?? ''}</td>`] : []),
    ];
    return `<tr data-vehicle-id="${vehicle}" data-href="${href}" class="row-${item.status}">${cells.join('')}</tr>`;
  });
  const empty = rows.length === 0 ? `<p class="empty">No vehicle in this report.</p>` : '';
  return (
    `<table class="grid" id="fleet-rows"><thead><tr>${head.map((c) => `<th>${c}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>${empty}`
  );
}
