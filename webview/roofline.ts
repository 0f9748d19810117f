// The roofline chart: a log-log canvas with the link, memory and compute roofs of the device and one
// labelled point per kernel (shape and colour by the roof that bounds it); hover for numbers, click for source.
import type { Roofline, RooflinePoint } from '../driver/trace';
import { basename, formatGBps, formatGflops, formatPercent, formatPowerOfTen, logTicks } from './format';
import type { SourceRef } from './protocol';
import { fitCanvas, type Palette } from './theme';
import { placeTooltip, renderTooltip } from './timeline';

const MARGIN = { left: 64, right: 24, top: 18, bottom: 42 };
const HEIGHT = 340;
const HIT_RADIUS = 9;

interface Axes {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** Axis ranges (powers of ten) that hold every point and both ridge points. */
export function rooflineAxes(r: Roofline): Axes {
  const ais = r.points.map((p) => p.arithmetic_intensity).filter((v) => v > 0);
  const flops = r.points.map((p) => p.gflops).filter((v) => v > 0);
  const linkRidge = r.link_gbps > 0 ? r.compute_gflops / r.link_gbps : 1;
  const memoryRidge = r.memory_gbps > 0 ? r.compute_gflops / r.memory_gbps : 1;
  const lo = Math.min(0.01, ...ais.map((v) => v / 3));
  const hi = Math.max(linkRidge * 3, memoryRidge * 3, ...ais.map((v) => v * 3));
  const xMin = Math.pow(10, Math.floor(Math.log10(lo)));
  const xMax = Math.pow(10, Math.ceil(Math.log10(hi)));
  const yLo = Math.min(Math.max(r.link_gbps, 1e-3) * xMin, ...flops.map((v) => v / 3));
  const yMin = Math.pow(10, Math.floor(Math.log10(yLo)));
  const yMax = Math.pow(10, Math.ceil(Math.log10(Math.max(r.compute_gflops * 2, ...flops.map((v) => v * 2), yMin * 10))));
  return { xMin, xMax, yMin, yMax };
}

export class RooflineChart {
  readonly canvas: HTMLCanvasElement;
  private roofline: Roofline | null = null;
  private palette: Palette | null = null;
  private axes: Axes = { xMin: 0.01, xMax: 1e4, yMin: 0.1, yMax: 1e6 };
  private hovered: RooflinePoint | null = null;
  private drawQueued = false;

  constructor(
    private readonly container: HTMLElement,
    private readonly tooltip: HTMLElement,
    private readonly onJump: (s: SourceRef) => void,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'roofline-canvas';
    this.canvas.setAttribute('role', 'img');
    container.appendChild(this.canvas);
    new ResizeObserver(() => this.requestDraw()).observe(container);
    this.canvas.addEventListener('pointermove', (ev) => this.hover(ev));
    this.canvas.addEventListener('pointerleave', () => {
      this.hovered = null;
      this.tooltip.hidden = true;
      this.requestDraw();
    });
    this.canvas.addEventListener('click', (ev) => {
      const p = this.pointAt(ev);
      if (p?.source) this.onJump(p.source);
    });
  }

  setPalette(p: Palette): void {
    this.palette = p;
    this.requestDraw();
  }

  setData(r: Roofline): void {
    this.roofline = r;
    this.axes = rooflineAxes(r);
    this.hovered = null;
    const names = r.points.map((p) => `${p.name} ${formatGflops(p.gflops)} at ${p.arithmetic_intensity.toPrecision(3)} FLOP/byte, ${p.bound_by}-bound`);
    this.canvas.setAttribute('aria-label', `Roofline: link ${formatGBps(r.link_gbps)}, memory ${formatGBps(r.memory_gbps)}, compute ${formatGflops(r.compute_gflops)}. ${names.join('; ')}`);
    this.requestDraw();
  }

  requestDraw(): void {
    if (this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame(() => {
      this.drawQueued = false;
      this.draw();
    });
  }

  private get width(): number {
    return Math.max(MARGIN.left + MARGIN.right + 100, this.container.clientWidth);
  }

  private x(ai: number): number {
    const { xMin, xMax } = this.axes;
    const v = Math.log10(Math.max(ai, xMin)) - Math.log10(xMin);
    return MARGIN.left + (v / (Math.log10(xMax) - Math.log10(xMin))) * (this.width - MARGIN.left - MARGIN.right);
  }

  private y(gflops: number): number {
    const { yMin, yMax } = this.axes;
    const v = Math.log10(Math.max(gflops, yMin)) - Math.log10(yMin);
    return HEIGHT - MARGIN.bottom - (v / (Math.log10(yMax) - Math.log10(yMin))) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  }

  draw(): void {
    const p = this.palette;
    const r = this.roofline;
    if (!p || !r || this.container.clientWidth === 0) return;
    const width = this.width;
    const ctx = fitCanvas(this.canvas, width, HEIGHT);
    ctx.fillStyle = p.background;
    ctx.fillRect(0, 0, width, HEIGHT);
    const { xMin, xMax, yMin, yMax } = this.axes;
    const left = MARGIN.left;
    const right = width - MARGIN.right;
    const top = MARGIN.top;
    const bottom = HEIGHT - MARGIN.bottom;

    ctx.font = `11px ${p.font}`;
    ctx.lineWidth = 1;
    ctx.strokeStyle = p.grid;
    ctx.fillStyle = p.muted;
    ctx.beginPath();
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of logTicks(xMin, xMax)) {
      const x = Math.round(this.x(t)) + 0.5;
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.fillText(formatPowerOfTen(t), x, bottom + 5);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of logTicks(yMin, yMax)) {
      const y = Math.round(this.y(t)) + 0.5;
      ctx.moveTo(left, y);
      ctx.lineTo(right, y);
      ctx.fillText(formatPowerOfTen(t), left - 6, y);
    }
    ctx.stroke();
    ctx.strokeStyle = p.border;
    ctx.strokeRect(left + 0.5, top + 0.5, right - left, bottom - top);
    ctx.fillStyle = p.foreground;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText('arithmetic intensity (FLOP / byte)', (left + right) / 2, HEIGHT - 4);
    ctx.save();
    ctx.translate(14, (top + bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText('GFLOP/s', 0, 0);
    ctx.restore();

    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, right - left, bottom - top);
    ctx.clip();
    const roof = (gbps: number, color: string, dash: number[], label: string) => {
      const ridge = r.compute_gflops / gbps;
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.setLineDash(dash);
      ctx.beginPath();
      ctx.moveTo(this.x(xMin), this.y(gbps * xMin));
      ctx.lineTo(this.x(Math.min(ridge, xMax)), this.y(gbps * Math.min(ridge, xMax)));
      ctx.stroke();
      ctx.setLineDash([]);
      // Label along the slope, near the left end where it is not crowded by the compute roof.
      const ax = xMin * 3;
      const angle = Math.atan2(this.y(gbps * ax * 10) - this.y(gbps * ax), this.x(ax * 10) - this.x(ax));
      ctx.save();
      ctx.translate(this.x(ax), this.y(gbps * ax) - 6);
      ctx.rotate(angle);
      ctx.fillStyle = color;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'bottom';
      ctx.fillText(label, 0, 0);
      ctx.restore();
    };
    roof(r.memory_gbps, p.roofMemory, p.highContrast ? [8, 4] : [], `memory ${formatGBps(r.memory_gbps)}`);
    roof(r.link_gbps, p.roofLink, p.highContrast ? [2, 3] : [], `link ${formatGBps(r.link_gbps)}`);
    ctx.strokeStyle = p.roofCompute;
    ctx.lineWidth = 2;
    ctx.beginPath();
    const memoryRidge = r.compute_gflops / r.memory_gbps;
    ctx.moveTo(this.x(Math.max(xMin, memoryRidge)), this.y(r.compute_gflops));
    ctx.lineTo(right, this.y(r.compute_gflops));
    ctx.stroke();
    ctx.fillStyle = p.roofCompute;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    ctx.fillText(`compute ${formatGflops(r.compute_gflops)}`, right - 6, this.y(r.compute_gflops) - 4);

    ctx.font = `11px ${p.font}`;
    for (const pt of r.points) {
      const x = this.x(pt.arithmetic_intensity);
      const y = this.y(pt.gflops);
      const color = pt.bound_by === 'link' ? p.roofLink : pt.bound_by === 'compute' ? p.roofCompute : p.roofMemory;
      drawMarker(ctx, pt.bound_by, x, y, pt === this.hovered ? 7 : 5.5, color, p.foreground);
      ctx.fillStyle = p.foreground;
      ctx.textAlign = x > right - 120 ? 'right' : 'left';
      ctx.textBaseline = 'middle';
      ctx.fillText(pt.name, x + (x > right - 120 ? -10 : 10), y);
    }
    ctx.restore();

    // Legend: shapes as well as colours, so high-contrast and colour-blind users can tell the bounds apart.
    const legend: [RooflinePoint['bound_by'], string, string][] = [
      ['link', 'link-bound', p.roofLink],
      ['memory', 'memory-bound', p.roofMemory],
      ['compute', 'compute-bound', p.roofCompute],
    ];
    let lx = left + 10;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    for (const [kind, label, color] of legend) {
      drawMarker(ctx, kind, lx + 5, top + 14, 5, color, p.foreground);
      ctx.fillStyle = p.foreground;
      ctx.fillText(label, lx + 14, top + 14);
      lx += 24 + ctx.measureText(label).width;
    }
  }

  private pointAt(ev: MouseEvent): RooflinePoint | null {
    if (!this.roofline) return null;
    const rect = this.canvas.getBoundingClientRect();
    const mx = ev.clientX - rect.left;
    const my = ev.clientY - rect.top;
    let best: RooflinePoint | null = null;
    let bestDistance = HIT_RADIUS;
    for (const pt of this.roofline.points) {
      const d = Math.hypot(this.x(pt.arithmetic_intensity) - mx, this.y(pt.gflops) - my);
      if (d <= bestDistance) {
        best = pt;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Canvas-relative position of a named point (for the browser test). */
  locate(name: string): { x: number; y: number } | null {
    const pt = this.roofline?.points.find((p) => p.name === name);
    return pt ? { x: this.x(pt.arithmetic_intensity), y: this.y(pt.gflops) } : null;
  }

  private hover(ev: PointerEvent): void {
    const pt = this.pointAt(ev);
    if (pt !== this.hovered) {
      this.hovered = pt;
      this.requestDraw();
    }
    this.canvas.classList.toggle('over-source', !!pt?.source);
    const r = this.roofline;
    if (!pt || !r) {
      this.tooltip.hidden = true;
      return;
    }
    const roofGbps = pt.bound_by === 'link' ? r.link_gbps : r.memory_gbps;
    const attainable = Math.min(r.compute_gflops, roofGbps * pt.arithmetic_intensity);
    const lines = [
      { label: 'intensity', value: `${pt.arithmetic_intensity.toPrecision(3)} FLOP/byte` },
      { label: 'achieved', value: formatGflops(pt.gflops) },
      { label: 'bound by', value: `${pt.bound_by} roof` },
      { label: 'roof here', value: `${formatGflops(attainable)} (${formatPercent(attainable > 0 ? (pt.gflops / attainable) * 100 : 0)} reached)` },
    ];
    if (pt.source) lines.push({ label: 'source', value: `${basename(pt.source.file)}:${pt.source.line}:${pt.source.column} (click to open)` });
    renderTooltip(this.tooltip, pt.name, lines);
    this.tooltip.hidden = false;
    placeTooltip(this.tooltip, ev.clientX, ev.clientY);
  }
}

function drawMarker(ctx: CanvasRenderingContext2D, kind: RooflinePoint['bound_by'], x: number, y: number, r: number, fill: string, outline: string): void {
  ctx.beginPath();
  if (kind === 'link') {
    ctx.moveTo(x, y - r * 1.15);
    ctx.lineTo(x + r * 1.1, y + r * 0.8);
    ctx.lineTo(x - r * 1.1, y + r * 0.8);
    ctx.closePath();
  } else if (kind === 'compute') {
    ctx.rect(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8);
  } else {
    ctx.arc(x, y, r, 0, Math.PI * 2);
  }
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.strokeStyle = outline;
  ctx.lineWidth = 1.25;
  ctx.stroke();
}
