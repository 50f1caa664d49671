// Time charts through uPlot (small, fast, canvas). A chart is created once its element is in
// the page (lit-html's ref directive hands it over), recreated only when its series change,
// and given new data on every refresh; it follows its container's width.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const PALETTE = ['#2563eb', '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2', '#65a30d', '#dc2626'];
export const colorOf = (i: number): string => PALETTE[i % PALETTE.length]!;

export interface SeriesSpec {
  label: string;
  /** Format of a value in the legend, with its unit. */
  value: (v: number) => string;
}

export interface ChartSpec {
  /** Y axis label, with the unit. */
  yLabel: string;
  height?: number;
  bars?: boolean;
  /** Draw steps (a level that holds until the next change) instead of straight lines. */
  steps?: boolean;
  /** Format of the y axis ticks. */
  tick?: (v: number) => string;
  /** The time range shown (seconds), when it is not the data's: a window that started before the first point. */
  xRange?: () => [number, number];
  /** A logarithmic y axis: series that differ by orders of magnitude (milliseconds beside minutes) stay readable. */
  log?: boolean;
  /** The y axis fitted to the data (small moves of a large stock stay visible) instead of starting at 0. */
  fitted?: boolean;
  /** Whole numbers only on the y axis (orders, units): no tick at 0.2 orders. */
  integer?: boolean;
}

/** Tick steps of whole numbers: 1, 2, 5, 10, 20, 50... */
const WHOLE_STEPS = Array.from({ length: 8 }, (_, p) => [1, 2, 5].map((m) => m * 10 ** p)).flat();

/** The powers of ten (1, 10, 100...) within [min, max]; the nearest ones around it when none falls inside. */
function powersOfTen(min: number, max: number): number[] {
  const around: number[] = [];
  for (let p = Math.floor(Math.log10(Math.max(min, 1))); p <= Math.ceil(Math.log10(Math.max(max, 1))); p++) around.push(10 ** p);
  const inside = around.filter((v) => v >= min * 0.999 && v <= max * 1.001);
  return inside.length > 0 ? inside : around;
}

export class TimeChart {
  private plot: uPlot | undefined;
  private element: Element | undefined;
  private seriesKey = '';
  private resize: ResizeObserver | undefined;
  private pending: { xs: number[]; ys: (number | null)[][]; series: SeriesSpec[] } | undefined;

  constructor(private readonly spec: ChartSpec) {}

  /** For lit-html's `ref()`: the chart's container arrived (or left). */
  readonly ref = (el: Element | undefined): void => {
    if (el === this.element) return;
    this.destroy();
    this.element = el;
    if (el && this.pending) this.draw(this.pending.xs, this.pending.ys, this.pending.series);
  };

  /** xs: seconds since the epoch; ys: one array per series, aligned with xs. */
  update(xs: number[], ys: (number | null)[][], series: SeriesSpec[]): void {
    this.pending = { xs, ys, series };
    if (this.element) this.draw(xs, ys, series);
  }

  destroy(): void {
    this.resize?.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
    this.seriesKey = '';
  }

  private draw(xs: number[], ys: (number | null)[][], series: SeriesSpec[]): void {
    const key = series.map((s) => s.label).join('\u0000');
    const data = [xs, ...ys] as uPlot.AlignedData;
    if (this.plot && key === this.seriesKey) {
      this.plot.setData(data);
      return;
    }
    this.destroy();
    const el = this.element as HTMLElement;
    this.seriesKey = key;
    const width = Math.max(240, el.clientWidth);
    const paths = this.spec.bars ? uPlot.paths.bars!({ size: [0.7, 40] }) : this.spec.steps ? uPlot.paths.stepped!({ align: 1 }) : undefined;
    const { tick, xRange } = this.spec;
    this.plot = new uPlot(
      {
        width,
        height: this.spec.height ?? 200,
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: true, ...(xRange && { range: () => xRange() }) },
          y: this.spec.log
            ? { distr: 3, log: 10 }
            : this.spec.fitted
              ? { range: (_u, min, max) => [Math.max(0, min - Math.max(2, (max - min) * 0.2)), max + Math.max(2, (max - min) * 0.2)] }
              : { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max * 1.1)] },
        },
        axes: [
          { stroke: '#64748b', grid: { stroke: '#e2e8f0' }, space: 70 },
          {
            label: this.spec.yLabel,
            stroke: '#64748b',
            grid: { stroke: '#e2e8f0' },
            size: 72,
            // uPlot passes null for a tick it leaves unlabelled (no room).
            ...(tick && { values: (_u: uPlot, vals: (number | null)[]) => vals.map((v) => (v === null ? '' : tick(v))) }),
            ...(this.spec.integer && { incrs: WHOLE_STEPS }),
            // On a log scale, a tick and a grid line per power of ten only: the minor ones crowd the axis.
            ...(this.spec.log && { splits: (_u: uPlot, _i: number, min: number, max: number) => powersOfTen(min, max) }),
          },
        ],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: colorOf(i),
            width: 2,
            ...(this.spec.bars && { fill: `${colorOf(i)}aa` }),
            ...(paths && { paths }),
            spanGaps: false,
            points: { show: !this.spec.bars && xs.length < 40 },
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : s.value(v)),
          })),
        ],
      },
      data,
      el,
    );
    this.resize = new ResizeObserver(() => this.plot?.setSize({ width: Math.max(240, el.clientWidth), height: this.spec.height ?? 200 }));
    this.resize.observe(el);
  }
}
