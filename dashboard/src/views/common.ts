import { downloadCsv } from '../api.ts';
import { h } from '../dom.ts';
import { STATUS_LABELS } from '../format.ts';

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `status status-${status}`, 'data-status': status }, STATUS_LABELS[status] ?? status);
}

/** A labelled figure; `data-value` keeps the API's raw number for checks and copy-paste. */
export function figure(label: string, text: string, raw?: number | string | null, name?: string): HTMLElement {
  return h(
    'div',
    { class: 'figure', 'data-figure': name ?? label, 'data-value': raw === undefined || raw === null ? '' : raw },
    h('span', { class: 'label' }, label),
    h('span', { class: 'value' }, text),
  );
}

export function csvButton(label: string, path: () => string, name: string): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'csv', 'data-csv': name }, label);
  button.addEventListener('click', () => {
    button.disabled = true;
    downloadCsv(path())
      .catch((error: unknown) => alert(`Download failed: ${String(error)}`))
      .finally(() => (button.disabled = false));
  });
  return button;
}

export function errorBox(error: unknown): HTMLElement {
  return h('p', { class: 'error', role: 'alert' }, error instanceof Error ? error.message : String(error));
}

export function loading(): HTMLElement {
  return h('p', { class: 'loading' }, 'Loading…');
}

/** A number of suspect readings, when the answer carries one (quality flags, issue 9). */
export function suspectFigure(value: unknown): HTMLElement | null {
  if (typeof value !== 'number') return null;
  return figure('suspect readings', String(value), value, 'suspectReadings');
}
