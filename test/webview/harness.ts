// Serves the profiler panel standalone for the browser test: bundles webview/main.ts exactly as
// scripts/build.mjs does and serves the page made by the same renderPanelHtml the extension uses.
import { build } from 'esbuild';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { renderPanelHtml } from '../../webview/html';

export const ROOT = join(__dirname, '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

/** Builds dist/webview/main.js and main.css (the options of scripts/build.mjs, so a failing sibling bundle cannot block us). */
export async function bundleWebview(): Promise<string> {
  const outdir = join(ROOT, 'dist', 'webview');
  await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, 'webview', 'main.ts')],
    outfile: join(outdir, 'main.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  for (const f of ['main.js', 'main.css']) if (!existsSync(join(outdir, f))) throw new Error(`bundleWebview: ${f} was not produced`);
  return outdir;
}

/**
 * Script text that defines `egpuSyntheticProfile(count, info)` in a page: the synthetic trace generator and
 * the engine's summarize/computeRoofline, so a 100,000-event profile is made in the browser, not shipped.
 */
export async function bundleSyntheticGenerator(): Promise<string> {
  const out = await build({
    stdin: { contents: `import { syntheticProfile } from './synthetic';\n(globalThis as any).egpuSyntheticProfile = syntheticProfile;\n`, resolveDir: __dirname, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  });
  return out.outputFiles[0]!.text;
}

export interface PanelServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `/` (the panel page, fresh nonce per request), `/main.js` and `/main.css` on 127.0.0.1. */
export async function servePanel(bundleDir: string): Promise<PanelServer> {
  const files: Record<string, [string, string]> = {
    '/main.js': ['main.js', 'text/javascript'],
    '/main.css': ['main.css', 'text/css'],
    '/main.js.map': ['main.js.map', 'application/json'],
    '/main.css.map': ['main.css.map', 'application/json'],
  };
  let origin = '';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/') {
      const html = renderPanelHtml({ cspSource: origin, nonce: randomBytes(16).toString('base64url'), scriptUri: `${origin}/main.js`, styleUri: `${origin}/main.css`, title: 'eGPU profile' });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
      return;
    }
    const f = files[path];
    if (path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (!f) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': f[1] });
    res.end(readFileSync(join(bundleDir, f[0])));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
