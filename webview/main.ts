// The profiler panel's entry point (bundled to dist/webview/main.js): builds the page, receives `profile`
// messages, wires the views together and keeps zoom and tab in the webview state across reloads.
import './styles.css';
import { provideVSCodeDesignSystem, vsCodeButton, vsCodePanels, vsCodePanelTab, vsCodePanelView } from '@vscode/webview-ui-toolkit';
import { basename, formatDuration } from './format';
import { parseHostMessage, type HostMessage, type PanelExpect, type PanelMessage, type PanelRunError, type ProfileData, type SourceRef } from './protocol';
import { RooflineChart } from './roofline';
import { renderSummary } from './summary';
import { StatsTable, type SortState } from './table';
import { readPalette, watchTheme } from './theme';
import { Timeline, type ViewRange } from './timeline';

// No vscode-badge: its template binds an inline style attribute, which the panel's CSP forbids.
provideVSCodeDesignSystem().register(vsCodeButton(), vsCodePanels(), vsCodePanelTab(), vsCodePanelView());

/** What the browser test may ask the page (geometry and timings; it never changes the panel's data). */
export interface PanelDebug {
  view(): ViewRange;
  fullRange(): ViewRange;
  laneBands(): { lane: string; top: number; bottom: number; left: number; right: number }[];
  locate(name: string): { x: number; y: number } | null;
  locateRooflinePoint(name: string): { x: number; y: number } | null;
  redrawTimeline(): number;
  /** How long the last valid message took to arrive, validate and lay out (drawing follows on the next frame). */
  lastMessageTiming(): { receiveMs: number; validateMs: number; layoutMs: number };
}

interface PanelState {
  tab?: string;
  sort?: SortState;
  /** Zoom of the run identified by `viewKey`; another run starts fully zoomed out. */
  view?: ViewRange;
  viewKey?: string;
  /** Small profiles are kept so a reloaded panel shows them before the extension re-sends. */
  profile?: ProfileData;
}

interface WebviewApi {
  postMessage(message: PanelMessage): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
}

// VS Code defines this as a global binding (not necessarily a window property) before our script runs.
declare const acquireVsCodeApi: (() => WebviewApi) | undefined;

declare global {
  interface Window {
    /** Standalone pages: every message the panel posted, for tests and host pages. */
    egpuPanelOutbox?: PanelMessage[];
    /** Read-only hooks for the browser test. */
    egpuPanelDebug?: PanelDebug;
  }
}

const KEEP_PROFILE_MAX_EVENTS = 5_000;
const VIEW_SAVE_DELAY_MS = 250;
const THEME_CLASSES = ['vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light'];

/** Outside VS Code: post to the embedding page (if any), record and log instead. */
function browserShim(): WebviewApi {
  let state: PanelState | undefined;
  try {
    const saved = sessionStorage.getItem('egpu-panel-state');
    if (saved) state = JSON.parse(saved) as PanelState;
  } catch {
    state = undefined;
  }
  const outbox: PanelMessage[] = (window.egpuPanelOutbox = []);
  return {
    postMessage(message) {
      outbox.push(message);
      if (window.parent !== window) window.parent.postMessage(message, '*');
      else console.info('[egpu panel → host]', JSON.stringify(message));
    },
    getState: () => state,
    setState(next) {
      state = next;
      try {
        sessionStorage.setItem('egpu-panel-state', JSON.stringify(next));
      } catch {
        // Storage can be unavailable (file://, privacy settings); state then lives for the page only.
      }
    },
  };
}

const inVsCode = typeof acquireVsCodeApi === 'function';
const vscode: WebviewApi = inVsCode ? acquireVsCodeApi!() : browserShim();
if (!inVsCode) document.body.classList.add('egpu-standalone');
let state: PanelState = vscode.getState() ?? {};

function saveState(patch: Partial<PanelState>): void {
  state = { ...state, ...patch };
  vscode.setState(state);
}

function post(message: PanelMessage): void {
  vscode.postMessage(message);
}

function jump(source: SourceRef): void {
  post({ type: 'jumpToSource', file: source.file, line: source.line, column: source.column });
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function custom(tag: string, attrs: Record<string, string>, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// ---- page skeleton ----
const app = document.getElementById('app') ?? document.body.appendChild(el('div'));
const empty = document.getElementById('empty') ?? el('div', 'empty', 'Run a kernel to see its timeline.');
const status = el('div', 'status');
status.setAttribute('role', 'status');
status.hidden = true;
const errorBanner = el('div', 'error-banner');
errorBanner.setAttribute('role', 'alert');
errorBanner.hidden = true;
const summaryRoot = el('header', 'summary');
summaryRoot.id = 'summary';

const toolbar = el('div', 'toolbar');
const toolbarTitle = el('span', 'toolbar-title', 'Timeline');
const rangeText = el('span', 'range');
rangeText.id = 'range';
const hint = el('span', 'hint', 'wheel / +− zoom · drag / ←→ pan · 0 reset · click opens source');
const resetButton = custom('vscode-button', { appearance: 'secondary', id: 'reset-zoom' }, 'Reset zoom');
const exportButton = custom('vscode-button', { appearance: 'primary', id: 'export-trace' }, 'Export trace');
toolbar.append(toolbarTitle, rangeText, hint, el('span', 'spacer'), resetButton, exportButton);

const timelineRoot = el('div', 'timeline');
timelineRoot.id = 'timeline';
const tooltip = el('div', 'tooltip');
tooltip.id = 'tooltip';
tooltip.hidden = true;
tooltip.setAttribute('role', 'tooltip');

const tabs = custom('vscode-panels', { id: 'tabs', 'aria-label': 'Profile details' });
const tableBadge = el('span', 'badge', '0');
const checksBadge = el('span', 'badge', '0');
const tabTable = custom('vscode-panel-tab', { id: 'tab-table' }, 'Kernels & copies');
tabTable.appendChild(tableBadge);
const tabRoofline = custom('vscode-panel-tab', { id: 'tab-roofline' }, 'Roofline');
const tabChecks = custom('vscode-panel-tab', { id: 'tab-checks' }, 'Checks');
tabChecks.appendChild(checksBadge);
const viewTable = custom('vscode-panel-view', { id: 'view-table' });
const viewRoofline = custom('vscode-panel-view', { id: 'view-roofline' });
const viewChecks = custom('vscode-panel-view', { id: 'view-checks' });
const tableRoot = el('div', 'table-wrap');
tableRoot.id = 'stats';
const rooflineRoot = el('div', 'roofline');
rooflineRoot.id = 'roofline';
const checksRoot = el('div', 'checks');
checksRoot.id = 'checks';
viewTable.appendChild(tableRoot);
viewRoofline.appendChild(rooflineRoot);
viewChecks.appendChild(checksRoot);
tabs.append(tabTable, tabRoofline, tabChecks, viewTable, viewRoofline, viewChecks);
// The tabs element announces its first tab while it sets itself up; only user choices are saved.
let tabsReady = false;
tabs.addEventListener('change', (ev) => {
  // The event carries the new tab; the activeid attribute is reflected only later.
  const id = (ev as CustomEvent<HTMLElement | undefined>).detail?.id;
  if (tabsReady && id && id !== state.tab) saveState({ tab: id });
});

const content = el('main', 'content');
content.hidden = true;
content.append(summaryRoot, toolbar, timelineRoot, tabs);
app.append(status, errorBanner, content, tooltip);
requestAnimationFrame(() => {
  if (state.tab) tabs.setAttribute('activeid', state.tab);
  tabsReady = true;
});

// ---- views ----
let currentKey = '';
let viewSaveTimer: ReturnType<typeof setTimeout> | undefined;
const timeline = new Timeline(timelineRoot, tooltip, {
  onJump: jump,
  onViewChange(view) {
    updateRangeText(view);
    // Wheel zoom changes the view every frame; the state (which may hold the profile) is saved once it settles.
    clearTimeout(viewSaveTimer);
    viewSaveTimer = setTimeout(() => saveState({ view, viewKey: currentKey }), VIEW_SAVE_DELAY_MS);
  },
});
const table = new StatsTable(tableRoot, state.sort ?? { key: 'total_us', descending: true }, jump, (sort) => saveState({ sort }));
const roofline = new RooflineChart(rooflineRoot, tooltip, jump);

resetButton.addEventListener('click', () => timeline.resetZoom());
exportButton.addEventListener('click', () => post({ type: 'exportTrace' }));

function applyPalette(): void {
  const p = readPalette();
  timeline.setPalette(p);
  roofline.setPalette(p);
}
applyPalette();
watchTheme(applyPalette);

function updateRangeText(view: ViewRange): void {
  const full = timeline.getFullRange();
  const zoom = (full.endUs - full.startUs) / (view.endUs - view.startUs);
  rangeText.textContent = `${formatDuration(view.startUs)} – ${formatDuration(view.endUs)}${zoom > 1.001 ? ` · ×${zoom < 10 ? zoom.toFixed(1) : Math.round(zoom)}` : ''}`;
  rangeText.dataset.startUs = String(view.startUs);
  rangeText.dataset.endUs = String(view.endUs);
}

function renderChecks(expects: PanelExpect[] | undefined): void {
  checksRoot.replaceChildren();
  const list = expects ?? [];
  const failed = list.filter((e) => !e.pass).length;
  checksBadge.textContent = list.length === 0 ? '0' : failed > 0 ? `${failed} failed` : `${list.length} passed`;
  checksBadge.classList.toggle('failed', failed > 0);
  if (list.length === 0) {
    checksRoot.appendChild(el('p', 'none', 'This run has no expect statements.'));
    return;
  }
  const ul = el('ul', 'check-list');
  for (const x of list) {
    const li = el('li', x.pass ? 'pass' : 'fail');
    li.append(el('span', 'check-mark', x.pass ? '✓ pass' : '✗ FAIL'), el('span', 'check-name', `expect ${x.buffer}`));
    li.append(el('span', 'check-detail', x.pass ? `${x.checked.toLocaleString('en-US')} elements checked` : `${x.failed.toLocaleString('en-US')} of ${x.checked.toLocaleString('en-US')} elements differ`));
    const loc = x.loc;
    if (loc) {
      const link = el('button', 'source-link', `${basename(loc.file)}:${loc.line}:${loc.column}`);
      link.type = 'button';
      link.addEventListener('click', () => jump(loc));
      li.appendChild(link);
    }
    if (x.mismatches.length > 0) {
      const mm = el('table', 'mismatches');
      const head = el('tr');
      head.append(el('th', undefined, 'index'), el('th', undefined, 'got'), el('th', undefined, 'want'));
      mm.appendChild(head);
      for (const m of x.mismatches.slice(0, 8)) {
        const tr = el('tr');
        tr.append(el('td', 'num', String(m.index)), el('td', 'num', String(m.got)), el('td', 'num', String(m.want)));
        mm.appendChild(tr);
      }
      li.appendChild(mm);
    }
    ul.appendChild(li);
  }
  checksRoot.appendChild(ul);
}

function renderError(error: PanelRunError | null | undefined): void {
  errorBanner.replaceChildren();
  errorBanner.hidden = !error;
  if (!error) return;
  errorBanner.append(el('strong', undefined, 'The run stopped: '), el('span', 'error-message', error.message));
  if (error.file && error.line !== undefined) {
    const loc: SourceRef = { file: error.file, line: error.line, column: error.column ?? 1 };
    const link = el('button', 'source-link', `${basename(loc.file)}:${loc.line}:${loc.column}`);
    link.type = 'button';
    link.addEventListener('click', () => jump(loc));
    errorBanner.appendChild(link);
  }
}

function showProfile(data: ProfileData): void {
  currentKey = `${data.file}#${data.runName}`;
  empty.hidden = true;
  status.hidden = true;
  content.hidden = false;
  renderError(data.error);
  renderSummary(summaryRoot, data.summary, data.device, data.runName, data.file);
  const savedView = state.viewKey === currentKey ? state.view : undefined;
  timeline.setData(data.events, data.device, data.summary.rows, savedView);
  updateRangeText(timeline.getView());
  table.setRows(data.summary.rows);
  tableBadge.textContent = String(data.summary.rows.length);
  roofline.setData(data.roofline);
  renderChecks(data.expects);
  document.title = `Profile · ${data.runName}`;
  clearTimeout(viewSaveTimer);
  saveState({ viewKey: currentKey, view: timeline.getView(), profile: data.events.length <= KEEP_PROFILE_MAX_EVENTS ? data : undefined });
}

function handle(message: HostMessage): void {
  switch (message.type) {
    case 'profile':
      showProfile(message.data);
      break;
    case 'theme':
      document.body.classList.remove(...THEME_CLASSES);
      document.body.classList.add(`vscode-${message.kind}`);
      document.body.dataset.vscodeThemeKind = `vscode-${message.kind}`;
      break;
    case 'running':
      status.textContent = `Running ${message.runName}…`;
      status.hidden = false;
      break;
  }
}

let lastMessageTiming = { receiveMs: 0, validateMs: 0, layoutMs: 0 };
window.addEventListener('message', (ev: MessageEvent) => {
  const t0 = performance.now();
  const data: unknown = ev.data; // Chromium deserialises the message on first access.
  const t1 = performance.now();
  const parsed = parseHostMessage(data);
  const t2 = performance.now();
  if (parsed.ok) {
    handle(parsed.message);
    lastMessageTiming = { receiveMs: t1 - t0, validateMs: t2 - t1, layoutMs: performance.now() - t2 };
    return;
  }
  const text = `ignored malformed message: ${parsed.reason}`;
  console.warn(`[egpu panel] ${text}`);
  post({ type: 'log', level: 'warn', message: text });
});

window.egpuPanelDebug = {
  view: () => timeline.getView(),
  fullRange: () => timeline.getFullRange(),
  laneBands: () => timeline.laneBands(),
  locate: (name: string) => timeline.locate(name),
  locateRooflinePoint: (name: string) => roofline.locate(name),
  redrawTimeline: () => timeline.draw(),
  lastMessageTiming: () => lastMessageTiming,
};

if (state.profile) showProfile(state.profile);
post({ type: 'ready' });
