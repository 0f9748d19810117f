// Canvas colours read from the page's CSS variables (VS Code's theme, or our fallbacks standalone),
// re-read whenever VS Code switches the body's theme class.

export interface Palette {
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  border: string;
  laneBackground: string;
  h2d: string;
  d2h: string;
  kernel: string;
  memset: string;
  sync: string;
  merged: string;
  selection: string;
  /** Text drawn on top of event bars. */
  barText: string;
  roofLink: string;
  roofMemory: string;
  roofCompute: string;
  font: string;
  monoFont: string;
  /** High-contrast themes: outline every block, never rely on colour alone. */
  highContrast: boolean;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

/** Reads the palette the canvases draw with from the `--egpu-*` variables in styles.css. */
export function readPalette(): Palette {
  const style = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => cssVar(style, name, fallback);
  return {
    background: v('--egpu-bg', '#1e1e1e'),
    foreground: v('--egpu-fg', '#cccccc'),
    muted: v('--egpu-muted', '#8b8b8b'),
    grid: v('--egpu-grid', 'rgba(128,128,128,0.18)'),
    border: v('--egpu-border', 'rgba(128,128,128,0.35)'),
    laneBackground: v('--egpu-lane-bg', 'rgba(128,128,128,0.06)'),
    h2d: v('--egpu-h2d', '#3794ff'),
    d2h: v('--egpu-d2h', '#b180d7'),
    kernel: v('--egpu-kernel', '#89d185'),
    memset: v('--egpu-memset', '#cca700'),
    sync: v('--egpu-sync', '#f14c4c'),
    merged: v('--egpu-merged', '#8b8b8b'),
    selection: v('--egpu-selection', '#ffcc00'),
    barText: v('--egpu-bar-text', '#111111'),
    roofLink: v('--egpu-roof-link', '#f14c4c'),
    roofMemory: v('--egpu-roof-memory', '#3794ff'),
    roofCompute: v('--egpu-roof-compute', '#89d185'),
    font: v('--vscode-font-family', 'system-ui, sans-serif'),
    monoFont: v('--vscode-editor-font-family', 'ui-monospace, monospace'),
    highContrast: document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light'),
  };
}

/** Calls `onChange` when VS Code changes the theme (it swaps the body's `vscode-*` classes). */
export function watchTheme(onChange: () => void): void {
  new MutationObserver(onChange).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
}

/** Sizes a canvas's backing store to its CSS box and device pixel ratio; returns the 2D context in CSS pixels. */
export function fitCanvas(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(cssWidth * dpr));
  const h = Math.max(1, Math.round(cssHeight * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  canvas.style.height = `${cssHeight}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('fitCanvas: 2D canvas context unavailable');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}
