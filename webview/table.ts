// The sortable table of kernels and copies (TraceSummary.rows): click a header to sort, a row to open
// its source. Rows arrive computed by the engine; the table only orders and formats them.
import type { EventStat } from '../driver/trace';
import { basename, formatBytes, formatDuration, formatGBps, formatGflops, formatPercent } from './format';
import type { SourceRef } from './protocol';

export type SortKey = 'name' | 'kind' | 'count' | 'total_us' | 'bytes' | 'gbps' | 'gflops' | 'percent_of_ceiling';
export interface SortState {
  key: SortKey;
  descending: boolean;
}

interface Column {
  key: SortKey;
  title: string;
  numeric: boolean;
  cell(r: EventStat): string;
}

const KIND_LABELS: Record<EventStat['kind'], string> = { h2d: 'H2D copy', d2h: 'D2H copy', kernel: 'kernel', memset: 'memset', sync: 'sync' };

const COLUMNS: Column[] = [
  { key: 'name', title: 'Name', numeric: false, cell: (r) => r.name },
  { key: 'kind', title: 'Kind', numeric: false, cell: (r) => KIND_LABELS[r.kind] },
  { key: 'count', title: 'Count', numeric: true, cell: (r) => r.count.toLocaleString('en-US') },
  { key: 'total_us', title: 'Total time', numeric: true, cell: (r) => formatDuration(r.total_us) },
  { key: 'bytes', title: 'Bytes', numeric: true, cell: (r) => (r.bytes > 0 ? formatBytes(r.bytes) : '—') },
  { key: 'gbps', title: 'GB/s', numeric: true, cell: (r) => (r.bytes > 0 ? formatGBps(r.gbps).replace(' GB/s', '') : '—') },
  { key: 'gflops', title: 'GFLOP/s', numeric: true, cell: (r) => (r.flops > 0 ? formatGflops(r.gflops) : '—') },
  { key: 'percent_of_ceiling', title: '% of ceiling', numeric: true, cell: (r) => formatPercent(r.percent_of_ceiling) },
];

/** Orders rows by a column; ties keep the engine's order. */
export function sortRows(rows: EventStat[], sort: SortState): EventStat[] {
  const dir = sort.descending ? -1 : 1;
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const x = a.r[sort.key];
      const y = b.r[sort.key];
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return c !== 0 ? c * dir : a.i - b.i;
    })
    .map((x) => x.r);
}

export class StatsTable {
  private rows: EventStat[] = [];
  private readonly table: HTMLTableElement;

  constructor(
    private readonly container: HTMLElement,
    private sort: SortState,
    private readonly onJump: (s: SourceRef) => void,
    private readonly onSort: (s: SortState) => void,
  ) {
    this.table = document.createElement('table');
    this.table.className = 'stats';
    container.appendChild(this.table);
  }

  setRows(rows: EventStat[]): void {
    this.rows = rows;
    this.render();
  }

  sortBy(key: SortKey): void {
    const numeric = COLUMNS.find((c) => c.key === key)?.numeric ?? false;
    this.sort = this.sort.key === key ? { key, descending: !this.sort.descending } : { key, descending: numeric };
    this.onSort(this.sort);
    this.render();
  }

  private render(): void {
    const thead = document.createElement('thead');
    const hr = document.createElement('tr');
    for (const col of COLUMNS) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.dataset.key = col.key;
      if (col.numeric) th.classList.add('num');
      const active = this.sort.key === col.key;
      th.setAttribute('aria-sort', active ? (this.sort.descending ? 'descending' : 'ascending') : 'none');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'sort';
      button.textContent = col.title;
      const arrow = document.createElement('span');
      arrow.className = 'sort-arrow';
      arrow.textContent = active ? (this.sort.descending ? ' ▼' : ' ▲') : '';
      button.appendChild(arrow);
      button.addEventListener('click', () => this.sortBy(col.key));
      th.appendChild(button);
      hr.appendChild(th);
    }
    thead.appendChild(hr);

    const tbody = document.createElement('tbody');
    if (this.rows.length === 0) {
      const tr = document.createElement('tr');
      const td = document.createElement('td');
      td.colSpan = COLUMNS.length;
      td.className = 'none';
      td.textContent = 'No kernels or copies in this run.';
      tr.appendChild(td);
      tbody.appendChild(tr);
    }
    for (const r of sortRows(this.rows, this.sort)) {
      const tr = document.createElement('tr');
      tr.className = `kind-${r.kind}`;
      tr.dataset.name = r.name;
      const source = r.source;
      if (source) {
        tr.classList.add('has-source');
        tr.tabIndex = 0;
        tr.title = `${basename(source.file)}:${source.line}:${source.column} — click to open`;
        tr.addEventListener('click', () => this.onJump(source));
        tr.addEventListener('keydown', (ev) => {
          if (ev.key === 'Enter') this.onJump(source);
        });
      }
      for (const col of COLUMNS) {
        const td = document.createElement('td');
        if (col.numeric) td.classList.add('num');
        if (col.key === 'kind') {
          const chip = document.createElement('span');
          chip.className = `chip chip-${r.kind}`;
          td.appendChild(chip);
          td.append(col.cell(r));
        } else if (col.key === 'percent_of_ceiling') {
          const meter = document.createElement('span');
          meter.className = 'meter';
          const fill = document.createElement('span');
          fill.className = `meter-fill ceiling-${r.ceiling}`;
          fill.style.width = `${Math.max(0, Math.min(100, r.percent_of_ceiling))}%`;
          meter.appendChild(fill);
          const text = document.createElement('span');
          text.className = 'meter-text';
          // Rows bound by fixed latency carry no roof of their own; the engine's percentage is still of their roof.
          text.textContent = r.ceiling !== 'latency' ? `${col.cell(r)} of ${r.ceiling}` : r.ceiling_gbps_or_tflops > 0 ? `${col.cell(r)} · latency-bound` : 'latency-bound';
          td.append(meter, text);
        } else {
          td.textContent = col.cell(r);
        }
        tr.appendChild(td);
      }
      tbody.appendChild(tr);
    }
    this.table.replaceChildren(thead, tbody);
    this.container.scrollTop = 0;
  }
}
