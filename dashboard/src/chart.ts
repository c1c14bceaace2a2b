import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { kwhDigits } from './format.ts';

/**
 * AC and DC per bucket (kWh, left axis, drawn as steps over each bucket) and efficiency (%, right
 * axis), with uPlot: made for time series, ~50 kB, canvas-drawn, times in the browser's zone.
 */

export interface ChartBucket {
  from: string;
  acKwh: number;
  dcKwh: number;
  efficiency: number | null;
}

const AC_COLOR = '#d9480f';
const DC_COLOR = '#1971c2';
const EFFICIENCY_COLOR = '#2b8a3e';

export function energyChart(
  target: HTMLElement,
  buckets: ChartBucket[],
  options: { dcLabel: string; to: string },
): uPlot {
  // Each bucket's value is drawn from its start to the next one's; the last point closes the window.
  const x = [...buckets.map((b) => Date.parse(b.from) / 1000), Date.parse(options.to) / 1000];
  const last = <T>(values: T[]): T[] => [...values, values[values.length - 1]!];
  const ac = last(buckets.map((b) => b.acKwh));
  const dc = last(buckets.map((b) => b.dcKwh));
  const efficiency = last(buckets.map((b) => (b.efficiency === null ? null : b.efficiency * 100)));
  const kwhValue = (_u: uPlot, v: number | null): string => (v === null ? '—' : `${v.toFixed(kwhDigits(v))} kWh`);
  const steps = uPlot.paths.stepped!({ align: 1 });
  const width = Math.max(320, target.clientWidth || 900);
  return new uPlot(
    {
      width,
      height: 300,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true }, kwh: { auto: true }, pct: { auto: false, range: [0, 110] } },
      axes: [
        {},
        { scale: 'kwh', label: 'kWh', values: (_u, ticks) => ticks.map((t) => t.toFixed(kwhDigits(t))) },
        { scale: 'pct', side: 1, label: 'efficiency %', grid: { show: false }, values: (_u, t) => t.map(String) },
      ],
      series: [
        {},
        { label: 'AC', scale: 'kwh', stroke: AC_COLOR, fill: `${AC_COLOR}22`, width: 2, paths: steps, value: kwhValue },
        {
          label: options.dcLabel,
          scale: 'kwh',
          stroke: DC_COLOR,
          fill: `${DC_COLOR}22`,
          width: 2,
          paths: steps,
          value: kwhValue,
        },
        {
          label: 'efficiency',
          scale: 'pct',
          stroke: EFFICIENCY_COLOR,
          width: 1.5,
          dash: [4, 4],
          paths: steps,
          value: (_u, v) => (v === null ? '—' : `${v.toFixed(1)} %`),
        },
      ],
    },
    [x, ac, dc, efficiency],
    target,
  );
}
