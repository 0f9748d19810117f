// The timeline: one canvas lane each for H2D copies, compute, D2H copies and host/sync, a time axis,
// zoom/pan (wheel, drag, keys), hover tooltips and click-to-source, drawn at pixel-column detail level.
import type { DeviceInfo } from '../driver/device';
import type { EventKind, EventStat, Lane, TraceEvent } from '../driver/trace';
import { basename, formatBytes, formatDuration, formatFlops, formatGBps, formatGflops, formatPercent, timeTicks } from './format';
import type { SourceRef } from './protocol';
import { fitCanvas, type Palette } from './theme';

export interface ViewRange {
  startUs: number;
  endUs: number;
}

export interface TimelineHost {
  onJump(source: SourceRef): void;
  onViewChange(view: ViewRange): void;
}

const LANES: { lane: Lane; label: string }[] = [
  { lane: 'h2d', label: 'H2D copy' },
  { lane: 'compute', label: 'Compute' },
  { lane: 'd2h', label: 'D2H copy' },
  { lane: 'host', label: 'Host / sync' },
];
const KIND_NAMES: Record<EventKind, string> = { h2d: 'host → device copy', d2h: 'device → host copy', kernel: 'kernel', memset: 'memset', sync: 'synchronize' };

const GUTTER = 132;
const AXIS = 26;
const LANE_HEIGHT = 36;
const LANE_GAP = 6;
const RIGHT_PAD = 12;
const MIN_SPAN_US = 0.01;
const HIT_SLOP_PX = 3;

/** One lane's events, sorted by start, with a running maximum of end times for range queries. */
interface LaneData {
  lane: Lane;
  label: string;
  events: TraceEvent[];
  starts: Float64Array;
  ends: Float64Array;
  maxEnd: Float64Array;
  bytes: number;
  busyUs: number;
}

function buildLane(lane: Lane, label: string, events: TraceEvent[]): LaneData {
  const sorted = events.filter((e) => e.lane === lane).sort((a, b) => a.start_us - b.start_us);
  const n = sorted.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  const maxEnd = new Float64Array(n);
  let running = -Infinity;
  let bytes = 0;
  let busyUs = 0;
  let coveredTo = -Infinity;
  for (let i = 0; i < n; i++) {
    const e = sorted[i]!;
    starts[i] = e.start_us;
    ends[i] = e.start_us + e.duration_us;
    running = Math.max(running, ends[i]!);
    maxEnd[i] = running;
    bytes += e.bytes;
    // Union of intervals, so overlapping events on one lane are not double-counted.
    const from = Math.max(coveredTo, starts[i]!);
    if (ends[i]! > from) busyUs += ends[i]! - from;
    coveredTo = Math.max(coveredTo, ends[i]!);
  }
  return { lane, label, events: sorted, starts, ends, maxEnd, bytes, busyUs };
}

/** Index of the first event whose end reaches `t` (events before it all end earlier). */
function firstEndingAfter(d: LaneData, t: number): number {
  let lo = 0;
  let hi = d.maxEnd.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (d.maxEnd[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class Timeline {
  readonly canvas: HTMLCanvasElement;
  private lanes: LaneData[] = [];
  private info: DeviceInfo | null = null;
  private rowCeilings = new Map<string, EventStat['ceiling']>();
  private full: ViewRange = { startUs: 0, endUs: 1 };
  private view: ViewRange = { startUs: 0, endUs: 1 };
  private palette: Palette | null = null;
  private hovered: TraceEvent | null = null;
  private selected: TraceEvent | null = null;
  private drawQueued = false;
  private drag: { x: number; startUs: number; moved: boolean; pointerId: number } | null = null;
  private lastPointer: { x: number; y: number } | null = null;
  private columnBusy = new Float32Array(0);
  private columnKind = new Uint8Array(0);
  /** Duration of the last full redraw, ms (reported by the browser test). */
  lastDrawMs = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly tooltip: HTMLElement,
    private readonly host: TimelineHost,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'timeline-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Timeline: H2D copy, compute, D2H copy and host lanes. Wheel or +/- to zoom, drag or arrows to pan, 0 to reset.');
    container.appendChild(this.canvas);
    this.attachInput();
    new ResizeObserver(() => this.requestDraw()).observe(container);
  }

  setPalette(p: Palette): void {
    this.palette = p;
    this.requestDraw();
  }

  setData(events: TraceEvent[], info: DeviceInfo, rows: EventStat[], view?: ViewRange): void {
    this.info = info;
    this.lanes = LANES.map((l) => buildLane(l.lane, l.label, events));
    this.rowCeilings = new Map(rows.map((r) => [`${r.kind}\u0000${r.name}`, r.ceiling]));
    let end = 0;
    for (const e of events) end = Math.max(end, e.start_us + e.duration_us);
    const pad = end > 0 ? end * 0.01 : 1;
    this.full = { startUs: 0, endUs: end + pad };
    this.hovered = null;
    this.selected = null;
    this.hideTooltip();
    if (view && view.endUs > view.startUs && view.startUs >= this.full.startUs - 1e-9 && view.endUs <= this.full.endUs + 1e-9) this.view = { ...view };
    else this.view = { ...this.full };
    this.requestDraw();
  }

  getView(): ViewRange {
    return { ...this.view };
  }

  getFullRange(): ViewRange {
    return { ...this.full };
  }

  resetZoom(): void {
    this.setView(this.full.startUs, this.full.endUs);
  }

  /** Zooms by `factor` (>1 zooms in) keeping the time under `anchorUs` fixed. */
  zoomAt(factor: number, anchorUs: number): void {
    const span = this.view.endUs - this.view.startUs;
    const fullSpan = this.full.endUs - this.full.startUs;
    const newSpan = Math.min(fullSpan, Math.max(MIN_SPAN_US, span / factor));
    const ratio = (anchorUs - this.view.startUs) / span;
    const start = anchorUs - ratio * newSpan;
    this.setView(start, start + newSpan);
  }

  panBy(deltaUs: number): void {
    this.setView(this.view.startUs + deltaUs, this.view.endUs + deltaUs);
  }

  private setView(startUs: number, endUs: number): void {
    const span = Math.min(endUs - startUs, this.full.endUs - this.full.startUs);
    let start = Math.max(this.full.startUs, startUs);
    if (start + span > this.full.endUs) start = this.full.endUs - span;
    const next = { startUs: start, endUs: start + span };
    if (next.startUs === this.view.startUs && next.endUs === this.view.endUs) return;
    this.view = next;
    this.host.onViewChange(this.getView());
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

  private get plotWidth(): number {
    return Math.max(1, this.container.clientWidth - GUTTER - RIGHT_PAD);
  }

  private get height(): number {
    return AXIS + LANES.length * (LANE_HEIGHT + LANE_GAP) + 4;
  }

  /** Lane bands in CSS pixels relative to the canvas (for hit tests and the browser test). */
  laneBands(): { lane: Lane; top: number; bottom: number; left: number; right: number }[] {
    return LANES.map((l, i) => {
      const top = AXIS + i * (LANE_HEIGHT + LANE_GAP) + LANE_GAP / 2;
      return { lane: l.lane, top, bottom: top + LANE_HEIGHT, left: GUTTER, right: GUTTER + this.plotWidth };
    });
  }

  private xOf(us: number): number {
    return GUTTER + ((us - this.view.startUs) / (this.view.endUs - this.view.startUs)) * this.plotWidth;
  }

  private usAt(x: number): number {
    return this.view.startUs + ((x - GUTTER) / this.plotWidth) * (this.view.endUs - this.view.startUs);
  }

  /** Draws everything now; returns the time it took in ms. */
  draw(): number {
    const t0 = performance.now();
    const p = this.palette;
    if (!p) return 0;
    const width = Math.max(GUTTER + RIGHT_PAD + 1, this.container.clientWidth);
    const ctx = fitCanvas(this.canvas, width, this.height);
    ctx.fillStyle = p.background;
    ctx.fillRect(0, 0, width, this.height);
    const bands = this.laneBands();
    for (const b of bands) {
      ctx.fillStyle = p.laneBackground;
      ctx.fillRect(b.left, b.top, b.right - b.left, LANE_HEIGHT);
      if (p.highContrast) {
        ctx.strokeStyle = p.border;
        ctx.lineWidth = 1;
        ctx.strokeRect(b.left + 0.5, b.top + 0.5, b.right - b.left - 1, LANE_HEIGHT - 1);
      }
    }
    this.drawAxis(ctx, p, width);
    for (let i = 0; i < this.lanes.length; i++) this.drawLane(ctx, p, this.lanes[i]!, bands[i]!.top);
    this.lastDrawMs = performance.now() - t0;
    return this.lastDrawMs;
  }

  private drawAxis(ctx: CanvasRenderingContext2D, p: Palette, width: number): void {
    const { ticks } = timeTicks(this.view.startUs, this.view.endUs, Math.max(2, Math.floor(this.plotWidth / 90)));
    ctx.font = `11px ${p.font}`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    ctx.strokeStyle = p.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const t of ticks) {
      const x = Math.round(this.xOf(t.us)) + 0.5;
      ctx.moveTo(x, AXIS - 6);
      ctx.lineTo(x, this.height);
    }
    ctx.stroke();
    ctx.fillStyle = p.muted;
    for (const t of ticks) {
      const x = this.xOf(t.us);
      if (x + 60 > width) continue;
      ctx.fillText(t.label, x + 3, AXIS / 2 - 1);
    }
    ctx.strokeStyle = p.border;
    ctx.beginPath();
    ctx.moveTo(GUTTER, AXIS - 0.5);
    ctx.lineTo(width - RIGHT_PAD, AXIS - 0.5);
    ctx.stroke();
  }

  private colorOf(p: Palette, kind: EventKind): string {
    switch (kind) {
      case 'h2d':
        return p.h2d;
      case 'd2h':
        return p.d2h;
      case 'kernel':
        return p.kernel;
      case 'memset':
        return p.memset;
      case 'sync':
        return p.sync;
    }
  }

  private drawLane(ctx: CanvasRenderingContext2D, p: Palette, d: LaneData, top: number): void {
    const plotW = this.plotWidth;
    const right = GUTTER + plotW;

    ctx.fillStyle = p.foreground;
    ctx.font = `12px ${p.font}`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    ctx.fillText(d.label, 10, top + 15);
    ctx.fillStyle = p.muted;
    ctx.font = `10.5px ${p.font}`;
    const detail = d.events.length === 0 ? 'no events' : `${d.events.length.toLocaleString('en-US')} · ${formatDuration(d.busyUs)}${d.bytes > 0 ? ` · ${formatBytes(d.bytes)}` : ''}`;
    ctx.fillText(detail, 10, top + 29, GUTTER - 16);

    if (this.columnBusy.length < plotW + 1) {
      this.columnBusy = new Float32Array(plotW + 1);
      this.columnKind = new Uint8Array(plotW + 1);
    } else {
      this.columnBusy.fill(0);
      this.columnKind.fill(0);
    }
    const kinds: EventKind[] = ['h2d', 'd2h', 'kernel', 'memset', 'sync'];
    const paths = new Map<EventKind, Path2D>();
    const labels: { x: number; w: number; e: TraceEvent }[] = [];
    const pxPerUs = plotW / (this.view.endUs - this.view.startUs);
    const barTop = top + 3;
    const barHeight = LANE_HEIGHT - 6;
    let usedColumns = false;
    for (let i = firstEndingAfter(d, this.view.startUs); i < d.events.length; i++) {
      const s = d.starts[i]!;
      if (s > this.view.endUs) break;
      const e = d.ends[i]!;
      if (e < this.view.startUs) continue;
      const x0 = GUTTER + (s - this.view.startUs) * pxPerUs;
      const x1 = GUTTER + (e - this.view.startUs) * pxPerUs;
      const ev = d.events[i]!;
      if (x1 - x0 >= 2) {
        const a = Math.max(GUTTER, x0);
        const b = Math.min(right, x1);
        let path = paths.get(ev.kind);
        if (!path) paths.set(ev.kind, (path = new Path2D()));
        // A 1px gap between neighbours keeps back-to-back events distinguishable.
        path.rect(a, barTop, Math.max(1, b - a - (b - a > 4 ? 1 : 0)), barHeight);
        if (b - a > 36) labels.push({ x: a, w: b - a, e: ev });
      } else {
        // Level of detail: sub-pixel events merge into their pixel column.
        const col = Math.min(plotW, Math.max(0, Math.floor(x0 - GUTTER)));
        this.columnBusy[col]! += Math.max(x1 - x0, 0.05);
        this.columnKind[col] = kinds.indexOf(ev.kind) + 1;
        usedColumns = true;
      }
    }
    for (const [kind, path] of paths) {
      ctx.fillStyle = this.colorOf(p, kind);
      ctx.fill(path);
      if (p.highContrast) {
        ctx.strokeStyle = p.foreground;
        ctx.lineWidth = 1;
        ctx.stroke(path);
      }
    }
    if (usedColumns) {
      for (let col = 0; col <= plotW; col++) {
        const busy = this.columnBusy[col]!;
        if (busy <= 0) continue;
        ctx.globalAlpha = Math.min(1, 0.45 + busy);
        ctx.fillStyle = this.colorOf(p, kinds[this.columnKind[col]! - 1]!);
        ctx.fillRect(GUTTER + col, barTop, 1, barHeight);
      }
      ctx.globalAlpha = 1;
    }
    ctx.font = `11px ${p.font}`;
    ctx.textBaseline = 'middle';
    ctx.fillStyle = p.barText;
    for (const l of labels) {
      const text = fitText(ctx, `${l.e.name} ${formatDuration(l.e.duration_us)}`, l.w - 8) ?? fitText(ctx, l.e.name, l.w - 8);
      if (text) ctx.fillText(text, l.x + 4, barTop + barHeight / 2);
    }
    for (const [ev, color] of [[this.hovered, p.foreground], [this.selected, p.selection]] as const) {
      if (!ev || ev.lane !== d.lane) continue;
      const x0 = Math.max(GUTTER, this.xOf(ev.start_us));
      const x1 = Math.min(right, this.xOf(ev.start_us + ev.duration_us));
      if (x1 < GUTTER || x0 > right) continue;
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 - 1, barTop - 1, Math.max(2, x1 - x0) + 2, barHeight + 2);
    }
  }

  /** The event under a canvas point, or the nearest within a few pixels; with how many share its column. */
  hitTest(x: number, y: number): { event: TraceEvent; nearby: number } | null {
    if (x < GUTTER || x > GUTTER + this.plotWidth) return null;
    const bands = this.laneBands();
    const li = bands.findIndex((b) => y >= b.top && y <= b.bottom);
    if (li < 0) return null;
    const d = this.lanes[li];
    if (!d || d.events.length === 0) return null;
    const t = this.usAt(x);
    const slop = (HIT_SLOP_PX / this.plotWidth) * (this.view.endUs - this.view.startUs);
    let best: TraceEvent | null = null;
    let bestDistance = Infinity;
    let nearby = 0;
    for (let i = firstEndingAfter(d, t - slop); i < d.events.length; i++) {
      const s = d.starts[i]!;
      if (s > t + slop) break;
      const e = d.ends[i]!;
      if (e < t - slop) continue;
      nearby++;
      const distance = t < s ? s - t : t > e ? t - e : 0;
      if (distance < bestDistance || (distance === 0 && bestDistance === 0 && best && d.events[i]!.duration_us < best.duration_us)) {
        best = d.events[i]!;
        bestDistance = distance;
      }
    }
    return best ? { event: best, nearby } : null;
  }

  /** Canvas-relative centre of the first visible event called `name` (for tests and keyboard focus). */
  locate(name: string): { x: number; y: number } | null {
    const bands = this.laneBands();
    for (let li = 0; li < this.lanes.length; li++) {
      const d = this.lanes[li]!;
      const i = d.events.findIndex((e) => e.name === name && e.start_us + e.duration_us >= this.view.startUs && e.start_us <= this.view.endUs);
      if (i < 0) continue;
      const e = d.events[i]!;
      const a = Math.max(GUTTER, this.xOf(e.start_us));
      const b = Math.min(GUTTER + this.plotWidth, this.xOf(e.start_us + e.duration_us));
      return { x: (a + b) / 2, y: (bands[li]!.top + bands[li]!.bottom) / 2 };
    }
    return null;
  }

  private attachInput(): void {
    const c = this.canvas;
    const local = (ev: MouseEvent) => {
      const r = c.getBoundingClientRect();
      return { x: ev.clientX - r.left, y: ev.clientY - r.top };
    };
    c.addEventListener(
      'wheel',
      (ev) => {
        if (this.lanes.length === 0) return;
        ev.preventDefault();
        const { x } = local(ev);
        const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;
        if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
          const dx = (ev.shiftKey ? ev.deltaY : ev.deltaX) * unit;
          this.panBy((dx / this.plotWidth) * (this.view.endUs - this.view.startUs));
        } else {
          this.zoomAt(Math.exp(-ev.deltaY * unit * 0.002), this.usAt(Math.max(GUTTER, x)));
        }
        this.updateHover(ev.clientX, ev.clientY);
      },
      { passive: false },
    );
    c.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0) return;
      c.focus();
      this.drag = { x: ev.clientX, startUs: this.view.startUs, moved: false, pointerId: ev.pointerId };
      c.setPointerCapture(ev.pointerId);
    });
    c.addEventListener('pointermove', (ev) => {
      if (this.drag && ev.pointerId === this.drag.pointerId) {
        const dx = ev.clientX - this.drag.x;
        if (Math.abs(dx) > 3) this.drag.moved = true;
        if (this.drag.moved) {
          const span = this.view.endUs - this.view.startUs;
          this.setView(this.drag.startUs - (dx / this.plotWidth) * span, this.drag.startUs - (dx / this.plotWidth) * span + span);
          c.classList.add('dragging');
          this.hideTooltip();
          return;
        }
      }
      this.updateHover(ev.clientX, ev.clientY);
    });
    c.addEventListener('pointerup', (ev) => {
      const drag = this.drag;
      this.drag = null;
      c.classList.remove('dragging');
      if (!drag || drag.moved) return;
      const { x, y } = local(ev);
      const hit = this.hitTest(x, y);
      this.selected = hit ? hit.event : null;
      this.requestDraw();
      if (hit?.event.source) this.host.onJump(hit.event.source);
    });
    c.addEventListener('pointerleave', () => {
      this.lastPointer = null;
      if (this.hovered) {
        this.hovered = null;
        this.requestDraw();
      }
      this.hideTooltip();
    });
    c.addEventListener('keydown', (ev) => {
      const span = this.view.endUs - this.view.startUs;
      const anchor = this.lastPointer ? this.usAt(this.lastPointer.x) : (this.view.startUs + this.view.endUs) / 2;
      switch (ev.key) {
        case '+':
        case '=':
          this.zoomAt(1.5, anchor);
          break;
        case '-':
        case '_':
          this.zoomAt(1 / 1.5, anchor);
          break;
        case 'ArrowLeft':
          this.panBy(-span * 0.1);
          break;
        case 'ArrowRight':
          this.panBy(span * 0.1);
          break;
        case '0':
        case 'Home':
          this.resetZoom();
          break;
        case 'Enter':
          if (this.selected?.source) this.host.onJump(this.selected.source);
          break;
        default:
          return;
      }
      ev.preventDefault();
    });
  }

  private updateHover(clientX: number, clientY: number): void {
    const r = this.canvas.getBoundingClientRect();
    const x = clientX - r.left;
    const y = clientY - r.top;
    this.lastPointer = { x, y };
    const hit = this.hitTest(x, y);
    const next = hit?.event ?? null;
    if (next !== this.hovered) {
      this.hovered = next;
      this.requestDraw();
    }
    this.canvas.classList.toggle('over-source', !!next?.source);
    if (!hit) return this.hideTooltip();
    this.showTooltip(hit.event, hit.nearby, clientX, clientY);
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
  }

  private showTooltip(e: TraceEvent, nearby: number, clientX: number, clientY: number): void {
    const lines = describeEvent(e, this.info, this.rowCeilings.get(`${e.kind}\u0000${e.name}`));
    if (nearby > 1) lines.push({ label: '', value: `+${(nearby - 1).toLocaleString('en-US')} more events within this pixel; zoom in to separate them` });
    renderTooltip(this.tooltip, e.name, lines);
    this.tooltip.hidden = false;
    placeTooltip(this.tooltip, clientX, clientY);
  }
}

export interface TooltipLine {
  label: string;
  value: string;
}

/** The numbers shown when hovering an event: kind, timing, bytes, bandwidth and share of its ceiling. */
export function describeEvent(e: TraceEvent, info: DeviceInfo | null, rowCeiling?: EventStat['ceiling']): TooltipLine[] {
  const lines: TooltipLine[] = [
    { label: 'kind', value: `${KIND_NAMES[e.kind]} · ${LANES.find((l) => l.lane === e.lane)?.label ?? e.lane} lane` },
    { label: 'start', value: formatDuration(e.start_us) },
    { label: 'duration', value: formatDuration(e.duration_us) },
  ];
  const seconds = e.duration_us * 1e-6;
  const gbps = seconds > 0 ? e.bytes / seconds / 1e9 : 0;
  const c = info?.ceilings;
  if (e.bytes > 0) {
    lines.push({ label: 'bytes', value: `${formatBytes(e.bytes)} (${e.bytes.toLocaleString('en-US')} B)` });
    let ceilingText = '';
    if (c && (e.kind === 'h2d' || e.kind === 'd2h')) {
      const link = e.kind === 'h2d' ? c.linkH2DGBps : c.linkD2HGBps;
      ceilingText = ` · ${formatPercent((gbps / link) * 100)} of link ${formatGBps(link)}`;
    } else if (c && e.kind !== 'sync') {
      ceilingText = ` · ${formatPercent((gbps / c.memoryGBps) * 100)} of memory ${formatGBps(c.memoryGBps)}`;
    }
    lines.push({ label: 'bandwidth', value: `${formatGBps(gbps)}${ceilingText}` });
  }
  if (e.link_bytes && e.link_bytes > 0) {
    const linkGbps = seconds > 0 ? e.link_bytes / seconds / 1e9 : 0;
    const pct = c ? ` · ${formatPercent((linkGbps / c.linkH2DGBps) * 100)} of link` : '';
    lines.push({ label: 'over link', value: `${formatBytes(e.link_bytes)} from host-mapped buffers · ${formatGBps(linkGbps)}${pct}` });
  }
  if (e.flops > 0) {
    const gflops = seconds > 0 ? e.flops / seconds / 1e9 : 0;
    const pct = c ? ` · ${formatPercent((gflops / (c.fp32TFLOPS * 1000)) * 100)} of compute` : '';
    lines.push({ label: 'flops', value: `${formatFlops(e.flops)} · ${formatGflops(gflops)}${pct}` });
  }
  if (rowCeiling) lines.push({ label: 'bound by', value: rowCeiling });
  if (e.src_kind || e.dst_kind) lines.push({ label: 'memory', value: `${e.src_kind ?? '?'} → ${e.dst_kind ?? '?'}` });
  if (e.grid && e.block) lines.push({ label: 'launch', value: `grid [${e.grid.join(', ')}] × block [${e.block.join(', ')}]` });
  if (e.source) lines.push({ label: 'source', value: `${basename(e.source.file)}:${e.source.line}:${e.source.column} (click to open)` });
  return lines;
}

/** Fills a tooltip element with a title and label/value lines (text only, never HTML). */
export function renderTooltip(tooltip: HTMLElement, title: string, lines: TooltipLine[]): void {
  tooltip.replaceChildren();
  const head = document.createElement('div');
  head.className = 'tt-title';
  head.textContent = title;
  tooltip.appendChild(head);
  const grid = document.createElement('div');
  grid.className = 'tt-grid';
  for (const l of lines) {
    const k = document.createElement('span');
    k.className = 'tt-label';
    k.textContent = l.label;
    const v = document.createElement('span');
    v.className = 'tt-value';
    v.textContent = l.value;
    grid.append(k, v);
  }
  tooltip.appendChild(grid);
}

/** Positions a fixed tooltip beside the pointer, flipping to stay inside the window. */
export function placeTooltip(tooltip: HTMLElement, clientX: number, clientY: number): void {
  const w = tooltip.offsetWidth;
  const h = tooltip.offsetHeight;
  let left = clientX + 14;
  let top = clientY + 14;
  if (left + w > window.innerWidth - 4) left = Math.max(4, clientX - w - 14);
  if (top + h > window.innerHeight - 4) top = Math.max(4, clientY - h - 14);
  tooltip.style.left = `${left}px`;
  tooltip.style.top = `${top}px`;
}

/** The longest prefix of `text` (with an ellipsis) that fits in `width` px, or null if nothing useful fits. */
function fitText(ctx: CanvasRenderingContext2D, text: string, width: number): string | null {
  if (ctx.measureText(text).width <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return lo >= 3 ? `${text.slice(0, lo)}…` : null;
}
