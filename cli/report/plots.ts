/**
 * The report's plots as vega-lite specs, rendered headless to SVG with vega's `view.toSVG()` (no browser, no
 * canvas), and to PNG through resvg. Specs are plain data, so tests can read what is plotted.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

// The vega-lite TopLevelSpec type is very wide; specs are built as plain objects and compiled as such.
export type VlSpec = Record<string, unknown>;

export interface FrontierPlotPoint {
  readonly seq: number;
  readonly x: number;
  readonly y: number;
  readonly color: string | number;
  readonly onFrontier: boolean;
  readonly chosen: boolean;
}

export interface FrontierPlotOptions {
  readonly xTitle: string;
  readonly yTitle: string;
  readonly colorTitle: string;
  /** The colour gene is ordinal with numeric values (layers, width): a sequential scheme in value order. */
  readonly colorOrder?: readonly (string | number)[];
  readonly logX: boolean;
  /**
   * The frontier of more than these two objectives, projected: its points are not a staircase in this plane, so
   * no step line is drawn through them, and the title says so.
   */
  readonly projectedFrom?: number;
}

const WIDTH = 620;
const HEIGHT = 360;
const FONT = { config: { font: 'DejaVu Sans, Helvetica, Arial, sans-serif', view: { stroke: '#ddd' } } };

/** Every evaluated candidate in grey, the frontier as a step line and coloured points, the chosen point ringed. */
export function frontierSpec(points: readonly FrontierPlotPoint[], o: FrontierPlotOptions): VlSpec {
  const x = { field: 'x', type: 'quantitative', title: o.xTitle, scale: o.logX ? { type: 'log', nice: false, padding: 12 } : { zero: false } };
  const y = { field: 'y', type: 'quantitative', title: o.yTitle, scale: { zero: false } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: WIDTH,
    height: HEIGHT,
    title: o.projectedFrom ? `Frontier of ${o.projectedFrom} objectives: ${o.yTitle} vs ${o.xTitle}` : `Frontier: ${o.yTitle} vs ${o.xTitle}`,
    data: { values: points },
    layer: [
      { transform: [{ filter: '!datum.onFrontier' }], mark: { type: 'circle', size: 14, color: '#bbb', opacity: 0.5 }, encoding: { x, y } },
      ...(o.projectedFrom ? [] : [{ transform: [{ filter: 'datum.onFrontier' }], mark: { type: 'line', interpolate: 'step-after', color: '#555', strokeWidth: 1 }, encoding: { x, y } }]),
      {
        transform: [{ filter: 'datum.onFrontier' }],
        mark: { type: 'circle', size: 70, opacity: 0.95, stroke: '#222', strokeWidth: 0.5 },
        encoding: {
          x,
          y,
          color: {
            field: 'color',
            type: 'ordinal',
            title: o.colorTitle,
            ...(o.colorOrder ? { sort: o.colorOrder } : {}),
            scale: { scheme: o.colorOrder && o.colorOrder.every((v) => typeof v === 'number') ? 'viridis' : 'tableau10' },
          },
        },
      },
      {
        transform: [{ filter: 'datum.chosen' }],
        mark: { type: 'point', size: 400, stroke: '#d62728', strokeWidth: 2.5, filled: false },
        encoding: { x, y },
      },
      {
        transform: [{ filter: 'datum.chosen' }],
        mark: { type: 'text', dx: 14, dy: -14, align: 'left', color: '#d62728', fontWeight: 'bold' },
        encoding: { x, y, text: { value: 'chosen' } },
      },
    ],
    ...FONT,
  };
}

export function hypervolumeSpec(curve: readonly { evaluations: number; hypervolume: number; generation: number }[]): VlSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: WIDTH,
    height: 220,
    title: 'Hypervolume over evaluations',
    data: { values: curve },
    mark: { type: 'line', interpolate: 'step-after', point: curve.length <= 60, color: '#2ca02c' },
    encoding: {
      x: { field: 'evaluations', type: 'quantitative', title: 'candidates evaluated' },
      y: { field: 'hypervolume', type: 'quantitative', title: 'hypervolume', scale: { zero: false } },
    },
    ...FONT,
  };
}

export interface OpBar {
  readonly op: string;
  readonly phase: string;
  readonly latencyMs: number;
  readonly bound: string;
}

export function operatorSpec(ops: readonly OpBar[], title: string): VlSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: 480,
    height: { step: 18 },
    title,
    data: { values: ops.map((o) => ({ ...o, label: `${o.op} (${o.phase})` })) },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: '-x', title: null, axis: { labelLimit: 320 } },
      x: { field: 'latencyMs', type: 'quantitative', title: 'latency (ms)' },
      color: { field: 'bound', type: 'nominal', title: 'bound', scale: { domain: ['compute', 'memory', 'overhead'], range: ['#1f77b4', '#ff7f0e', '#7f7f7f'] } },
    },
    ...FONT,
  };
}

/** Compiles a vega-lite spec and renders it headless to an SVG string. */
export async function renderSvg(spec: VlSpec): Promise<string> {
  const compiled = vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** SVG → PNG at `scale` (system fonts; DejaVu Sans when the SVG's family is missing). */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return Buffer.from(resvg.render().asPng());
}

export interface RooflineOp {
  readonly op: string;
  readonly phase: string;
  /** FLOP per byte moved. */
  readonly intensity: number;
  /** FLOPs over the operator's own time. */
  readonly flopsPerS: number;
  readonly bound: string;
}

/**
 * The roofline of the chosen point: every operator at its arithmetic intensity and attained FLOP/s (log–log),
 * under the device's roof min(peak, intensity × bandwidth) for the precision given.
 */
export function rooflineSpec(ops: readonly RooflineOp[], roof: { peakFlopsPerS: number; bytesPerS: number; label: string }, title: string): VlSpec {
  const ais = ops.map((o) => o.intensity);
  const lo = Math.min(...ais, roof.peakFlopsPerS / roof.bytesPerS) / 2;
  const hi = Math.max(...ais, roof.peakFlopsPerS / roof.bytesPerS) * 2;
  const roofPoints = Array.from({ length: 64 }, (_, i) => {
    const ai = lo * (hi / lo) ** (i / 63);
    return { intensity: ai, flopsPerS: Math.min(roof.peakFlopsPerS, ai * roof.bytesPerS) };
  });
  const x = { field: 'intensity', type: 'quantitative', title: 'arithmetic intensity (FLOP/byte)', scale: { type: 'log' } };
  const y = { field: 'flopsPerS', type: 'quantitative', title: 'attained FLOP/s', scale: { type: 'log' }, axis: { format: '~s' } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: 480,
    height: 300,
    title,
    layer: [
      { data: { values: roofPoints }, mark: { type: 'line', color: '#444', strokeDash: [4, 3] }, encoding: { x, y } },
      {
        data: { values: [roofPoints[roofPoints.length - 1]] },
        mark: { type: 'text', align: 'right', dy: -8, color: '#444' },
        encoding: { x, y, text: { value: roof.label } },
      },
      {
        data: { values: ops },
        mark: { type: 'point', filled: true, size: 60, opacity: 0.85 },
        encoding: {
          x,
          y,
          color: { field: 'bound', type: 'nominal', title: 'bound', scale: { domain: ['compute', 'memory', 'overhead'], range: ['#1f77b4', '#ff7f0e', '#7f7f7f'] } },
          shape: { field: 'phase', type: 'nominal', title: 'phase' },
        },
      },
    ],
    ...FONT,
  };
}
