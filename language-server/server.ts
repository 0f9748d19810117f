// The Kern language server: wires the LSP connection to the workspace and the feature modules. Every
// handler is wrapped so that a bug answers empty (and is logged) instead of crashing the server.
import {
  createConnection,
  ProposedFeatures,
  TextDocumentSyncKind,
  ResponseError,
  ErrorCodes,
  FileChangeType,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { Workspace, uriToPath, type Analysis } from './documents';
import { diagnosticsFor } from './diagnostics';
import { hover } from './hover';
import { complete } from './completion';
import { signatureHelp } from './signature';
import { definition, highlights, prepareRename, references, rename, RenameError } from './navigation';
import { documentSymbols, workspaceSymbols } from './symbols';
import { foldingRanges } from './folding';
import { LEGEND, semanticTokens } from './semanticTokens';
import { formatEdits } from './format';
import { inlayHints } from './inlayHints';
import { codeActions } from './codeActions';
import { DEFAULT_DEVICE, resolveDevice, type SelectedDevice } from './device';
import { DEVICE_INFO_REQUEST, SET_DEVICE_NOTIFICATION, type KernInitializationOptions, type SetDeviceParams } from './protocol';

export const DEFAULT_DIAGNOSTICS_DELAY_MS = 150;

/** Starts serving Kern on `connection` (already created); returns when the client says exit. */
export function startKernServer(connection: Connection): void {
  const log = (message: string) => {
    try {
      connection.console.error(message);
    } catch {
      // The connection may be gone; nothing else to tell.
    }
  };
  const ws = new Workspace(log);
  let device: SelectedDevice = DEFAULT_DEVICE;
  let profileDirs: string[] = [];
  let delayMs = DEFAULT_DIAGNOSTICS_DELAY_MS;
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const published = new Map<string, number>();

  /** Wraps a handler: exceptions answer `fallback` and are logged; ResponseErrors reach the client. */
  function safe<P, R>(name: string, fallback: R, handler: (params: P) => R): (params: P) => R {
    return (params: P) => {
      try {
        return handler(params);
      } catch (err) {
        if (err instanceof ResponseError) throw err;
        log(`kern: ${name} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        return fallback;
      }
    };
  }

  const analysisOf = (uri: string): Analysis | null => ws.analyze(uriToPath(uri));

  /** The analysis last published for each open document, the most recent last. */
  const publishedAnalyses = new Map<string, Analysis>();
  /** Files that are not open but whose diagnostics were published from an importer's check (as sent, JSON). */
  const importedPublished = new Map<string, string>();

  function publish(path: string): void {
    const uri = ws.uriOf(path);
    if (!ws.isOpen(path)) return;
    const analysis = ws.analyze(path);
    if (!analysis) return;
    void connection.sendDiagnostics({ uri, version: ws.document(uri)?.version, diagnostics: diagnosticsFor(ws, analysis) });
    published.set(path, Date.now());
    publishedAnalyses.delete(path);
    publishedAnalyses.set(path, analysis);
    publishImported();
  }

  /**
   * Every file an open document's check read but that is not open itself gets the diagnostics that check
   * found in it (the latest check wins), and loses them when no open document reads it any more. Open
   * files publish their own.
   */
  function publishImported(): void {
    const wanted = new Map<string, string>();
    for (const [owner, analysis] of [...publishedAnalyses].reverse()) {
      if (!ws.isOpen(owner)) continue;
      for (const file of analysis.result.files.keys()) {
        if (file === owner || ws.isOpen(file) || wanted.has(file)) continue;
        wanted.set(file, JSON.stringify(diagnosticsFor(ws, analysis, file)));
      }
    }
    for (const [file, sent] of wanted) {
      if (importedPublished.get(file) === sent) continue;
      importedPublished.set(file, sent);
      void connection.sendDiagnostics({ uri: ws.uriOf(file), diagnostics: JSON.parse(sent) });
    }
    for (const file of [...importedPublished.keys()]) {
      if (wanted.has(file)) continue;
      importedPublished.delete(file);
      if (!ws.isOpen(file)) void connection.sendDiagnostics({ uri: ws.uriOf(file), diagnostics: [] });
    }
  }

  function schedule(path: string): void {
    const prev = timers.get(path);
    if (prev) clearTimeout(prev);
    const run = () => {
      // One more turn of the event loop first: a request that arrived with the edit (completion as you type)
      // is answered before the re-check rather than after it.
      const mine = timers.get(path);
      setImmediate(() => {
        if (timers.get(path) !== mine) return; // a newer edit rescheduled it, or the document closed
        timers.delete(path);
        try {
          publish(path);
        } catch (err) {
          log(`kern: diagnostics failed for ${path}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        }
      });
    };
    if (delayMs <= 0) {
      timers.set(path, setTimeout(run, 0));
    } else timers.set(path, setTimeout(run, delayMs));
  }

  /** After `changed` changed, re-check it and every open document that imports it. */
  function scheduleDependents(changed: string): void {
    for (const doc of ws.openDocuments()) {
      const p = uriToPath(doc.uri);
      if (p === changed) {
        schedule(p);
        continue;
      }
      const last = lastDependencies.get(p);
      if (!last || last.has(changed)) schedule(p);
    }
  }
  const lastDependencies = new Map<string, Set<string>>();
  const remember = (a: Analysis | null) => {
    if (a) lastDependencies.set(a.path, a.dependencies);
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const options = (params.initializationOptions ?? {}) as KernInitializationOptions;
    if (typeof options.diagnosticsDelayMs === 'number' && options.diagnosticsDelayMs >= 0) delayMs = options.diagnosticsDelayMs;
    if (Array.isArray(options.profileDirs)) profileDirs = options.profileDirs.filter((d) => typeof d === 'string');
    if (options.device) {
      const chosen = resolveDevice(options.device, profileDirs);
      if (typeof chosen !== 'string') device = chosen;
    }
    ws.limits = device.limits;
    const roots: string[] = [];
    for (const f of params.workspaceFolders ?? []) roots.push(uriToPath(f.uri));
    if (roots.length === 0 && params.rootUri) roots.push(uriToPath(params.rootUri));
    ws.roots = roots;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: false },
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['.', ':', '['], resolveProvider: false },
        signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: [','] },
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentHighlightProvider: true,
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        foldingRangeProvider: true,
        semanticTokensProvider: { legend: LEGEND, full: true },
        documentFormattingProvider: true,
        documentRangeFormattingProvider: true,
        inlayHintProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix'] },
      },
      serverInfo: { name: 'kern-language-server', version: '0.1.0' },
    };
  });

  connection.onDidOpenTextDocument(safe('didOpen', undefined, (p) => {
    const doc = p.textDocument;
    ws.open(doc.uri, doc.languageId, doc.version, doc.text);
    scheduleDependents(uriToPath(doc.uri));
  }));
  connection.onDidChangeTextDocument(safe('didChange', undefined, (p) => {
    ws.change(p.textDocument.uri, p.textDocument.version, p.contentChanges);
    scheduleDependents(uriToPath(p.textDocument.uri));
  }));
  connection.onDidCloseTextDocument(safe('didClose', undefined, (p) => {
    const path = uriToPath(p.textDocument.uri);
    ws.close(p.textDocument.uri);
    const t = timers.get(path);
    if (t) clearTimeout(t);
    timers.delete(path);
    lastDependencies.delete(path);
    publishedAnalyses.delete(path);
    importedPublished.delete(path);
    void connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
    publishImported();
    scheduleDependents(path);
  }));
  connection.onDidChangeWatchedFiles(safe('didChangeWatchedFiles', undefined, (p) => {
    for (const change of p.changes) {
      ws.fileChanged(change.uri);
      if (change.type !== FileChangeType.Changed || !ws.isOpen(uriToPath(change.uri))) scheduleDependents(uriToPath(change.uri));
    }
  }));

  connection.onHover(safe('hover', null, (p) => {
    const a = analysisOf(p.textDocument.uri);
    remember(a);
    return a ? hover(a, a.lineMap.offset(p.position), device) : null;
  }));
  connection.onCompletion(safe('completion', [], (p) => {
    // Answered from the last check plus the current text: typing never waits for a full re-check.
    const view = ws.analyzeForCompletion(uriToPath(p.textDocument.uri));
    if (!view) return [];
    const offset = view.lineMap.offset(p.position);
    return complete(view.analysis, offset, { text: view.text, modelOffset: view.modelOffset(offset) });
  }));
  connection.onSignatureHelp(safe('signatureHelp', null, (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a ? signatureHelp(a, a.lineMap.offset(p.position)) : null;
  }));
  connection.onDefinition(safe('definition', null, (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a ? definition(ws, a, a.lineMap.offset(p.position)) : null;
  }));
  connection.onReferences(safe('references', [], (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a ? references(ws, a, a.lineMap.offset(p.position), p.context.includeDeclaration) : [];
  }));
  connection.onDocumentHighlight(safe('documentHighlight', [], (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a ? highlights(a, a.lineMap.offset(p.position)) : [];
  }));
  const renameFailure = (err: unknown) => {
    if (err instanceof RenameError) throw new ResponseError(ErrorCodes.InvalidRequest, err.message);
    throw err;
  };
  connection.onPrepareRename(safe('prepareRename', null, (p) => {
    const a = analysisOf(p.textDocument.uri);
    if (!a) return null;
    try {
      return prepareRename(a, a.lineMap.offset(p.position));
    } catch (err) {
      return renameFailure(err);
    }
  }));
  connection.onRenameRequest(safe('rename', null, (p) => {
    const a = analysisOf(p.textDocument.uri);
    if (!a) return null;
    try {
      return rename(ws, a, a.lineMap.offset(p.position), p.newName);
    } catch (err) {
      return renameFailure(err);
    }
  }));
  connection.onDocumentSymbol(safe('documentSymbol', [], (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a?.file ? documentSymbols(a.file, a.lineMap) : [];
  }));
  connection.onWorkspaceSymbol(safe('workspaceSymbol', [], (p) => workspaceSymbols(ws, p.query)));
  connection.onFoldingRanges(safe('foldingRange', [], (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a?.file ? foldingRanges(a.file, a.lineMap) : [];
  }));
  connection.languages.semanticTokens.on(safe('semanticTokens', { data: [] }, (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a ? semanticTokens(a) : { data: [] };
  }));
  connection.onDocumentFormatting(safe('formatting', [], (p) => {
    const doc = ws.document(p.textDocument.uri);
    return doc ? formatEdits(uriToPath(doc.uri), doc.getText()) : [];
  }));
  connection.onDocumentRangeFormatting(safe('rangeFormatting', [], (p) => {
    const doc = ws.document(p.textDocument.uri);
    return doc ? formatEdits(uriToPath(doc.uri), doc.getText(), p.range) : [];
  }));
  connection.languages.inlayHint.on(safe('inlayHint', [], (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a ? inlayHints(a, p.range) : [];
  }));
  connection.onCodeAction(safe('codeAction', [], (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a ? codeActions(a, p.range, p.context.diagnostics) : [];
  }));

  connection.onNotification(SET_DEVICE_NOTIFICATION, safe('setDevice', undefined, (p: SetDeviceParams) => {
    const chosen = resolveDevice(p ?? {}, profileDirs);
    if (typeof chosen === 'string') {
      void connection.window.showWarningMessage(chosen);
      return;
    }
    device = chosen;
    if (chosen.limits) {
      ws.limits = chosen.limits;
      ws.settingsChanged();
      for (const doc of ws.openDocuments()) schedule(uriToPath(doc.uri));
    }
  }));
  connection.onRequest(DEVICE_INFO_REQUEST, safe('deviceInfo', null, () => ({ id: device.id, name: device.name, ceilings: device.ceilings })));

  connection.onShutdown(() => {
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
  });
  connection.listen();
}

/** Starts the server over stdin/stdout (what `egpu lsp --stdio` and dist/server.js do). */
export function startStdioServer(): Connection {
  const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
  startKernServer(connection);
  return connection;
}
