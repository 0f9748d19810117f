// The profiler panel's HTML page, shared by the VS Code extension and the standalone browser test:
// a pure string function with a strict CSP (nonce'd script, no remote resources).

export interface PanelHtmlOptions {
  /** The webview's `cspSource` (in VS Code `webview.cspSource`; standalone, the page's own origin). */
  cspSource: string;
  /** A fresh random nonce per render (letters and digits). */
  nonce: string;
  /** URI of dist/webview/main.js as the webview may load it. */
  scriptUri: string;
  /** URI of dist/webview/main.css as the webview may load it. */
  styleUri: string;
  title: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders the panel page; everything dynamic is drawn later by main.js from `profile` messages. */
export function renderPanelHtml(o: PanelHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(o.nonce)) throw new Error(`renderPanelHtml: nonce must be letters and digits, got ${JSON.stringify(o.nonce)}`);
  const csp = [
    `default-src 'none'`,
    `script-src 'nonce-${o.nonce}'`,
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `img-src ${o.cspSource} data:`,
    `font-src ${o.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<!-- The toolkit (FAST) reads csp-nonce to tag the style element it probes focus-visible support with. -->
<meta property="csp-nonce" content="${o.nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(o.styleUri)}" nonce="${o.nonce}">
<title>${escapeHtml(o.title)}</title>
</head>
<body>
<div id="app" data-nonce="${o.nonce}">
  <div class="empty" id="empty">Run a kernel to see its timeline, bottleneck verdict and roofline.</div>
</div>
<script nonce="${o.nonce}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>
`;
}
