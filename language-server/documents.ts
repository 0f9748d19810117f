// The server's view of the workspace: open documents (incrementally synced), files on disk, and the
// cached check of each file (checkProgram over a SourceHost that prefers the editor's unsaved text).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { checkProgram, makeDiagnostic, parse, reparse, type CheckResult, type ParseResult, type SourceHost } from '../kernels/lang/index';
import { LineMap } from '../kernels/lang/source';
import { changedRange } from '../kernels/lang/incremental';
import type { SourceFile } from '../kernels/lang/ast';
import type { DeviceLimits } from '../kernels/lang/limits';

/** One checked file: the check result plus what the features need to map offsets. */
export interface Analysis {
  path: string;
  uri: string;
  text: string;
  lineMap: LineMap;
  result: CheckResult;
  /** The parsed main file (from result.files). */
  file: SourceFile | undefined;
  /** Every file the check read (the main file and its imports). */
  dependencies: Set<string>;
  /** The text of every file the check read, as read (undefined: could not be read); to tell whether it is still current. */
  sources: Map<string, string | undefined>;
  /** The device limits it was checked against. */
  limits: DeviceLimits | undefined;
  /**
   * The parse of the main file, which the next check of this file re-parses incrementally from. That takes this
   * analysis apart (spans move, shared symbols are renumbered), so `analyze` drops it from `latest` first and
   * nothing may read it afterwards; only `publishedAnalyses` in server.ts keeps old analyses, and it reads
   * them only for imported files, whose parses are never moved.
   */
  parse: ParseResult | undefined;
}

/**
 * An analysis answering for a newer text of its file (completion right after an edit): the semantic model is
 * the last check's, `text` and `lineMap` are current, and `modelOffset` maps a current offset into the model.
 */
export interface StaleView {
  analysis: Analysis;
  text: string;
  lineMap: LineMap;
  modelOffset: (offset: number) => number;
}

export function uriToPath(uri: string): string {
  if (uri.startsWith('file:')) {
    try {
      return path.resolve(fileURLToPath(uri));
    } catch {
      return uri;
    }
  }
  return uri;
}

export class Workspace {
  private readonly documentsByPath = new Map<string, TextDocument>();
  private readonly uriByPath = new Map<string, string>();
  private readonly cache = new Map<string, Analysis>();
  /** The latest analysis of each file, whatever its generation: reused while its sources are unchanged. */
  private readonly latest = new Map<string, Analysis>();
  private readonly diskCache = new Map<string, string | undefined>();
  private readonly importParses = new Map<string, ParseResult>();
  /** Bumped on every edit or file-system change; analyses of an older generation are stale. */
  private generation = 0;
  private cachedGeneration = 0;
  roots: string[] = [];
  limits: DeviceLimits | undefined;

  constructor(private readonly log: (message: string) => void) {}

  open(uri: string, languageId: string, version: number, text: string): TextDocument {
    const doc = TextDocument.create(uri, languageId, version, text);
    const p = uriToPath(uri);
    this.documentsByPath.set(p, doc);
    this.uriByPath.set(p, uri);
    this.touch();
    return doc;
  }

  change(uri: string, version: number, changes: Parameters<typeof TextDocument.update>[1]): TextDocument | undefined {
    const p = uriToPath(uri);
    const doc = this.documentsByPath.get(p);
    if (!doc) return undefined;
    const updated = TextDocument.update(doc, changes, version);
    this.documentsByPath.set(p, updated);
    this.touch();
    return updated;
  }

  close(uri: string): void {
    const p = uriToPath(uri);
    this.documentsByPath.delete(p);
    this.latest.delete(p);
    this.touch();
  }

  /** A file changed on disk (workspace/didChangeWatchedFiles). */
  fileChanged(uri: string): void {
    this.diskCache.delete(uriToPath(uri));
    this.importParses.delete(uriToPath(uri));
    this.touch();
  }

  settingsChanged(): void {
    this.touch();
  }

  private touch(): void {
    this.generation++;
  }

  document(uri: string): TextDocument | undefined {
    return this.documentsByPath.get(uriToPath(uri));
  }

  openDocuments(): TextDocument[] {
    return [...this.documentsByPath.values()];
  }

  isOpen(p: string): boolean {
    return this.documentsByPath.has(p);
  }

  uriOf(p: string): string {
    const known = this.uriByPath.get(p);
    if (known) return known;
    if (path.isAbsolute(p)) return pathToFileURL(p).toString();
    return p;
  }

  /** The text of a file: the open document's, else the file on disk, else undefined. */
  readText(p: string): string | undefined {
    const doc = this.documentsByPath.get(p);
    if (doc) return doc.getText();
    if (this.diskCache.has(p)) return this.diskCache.get(p);
    let text: string | undefined;
    try {
      text = fs.readFileSync(p, 'utf8');
    } catch {
      text = undefined;
    }
    this.diskCache.set(p, text);
    return text;
  }

  readonly host: SourceHost = {
    readFile: (p: string) => this.readText(p),
    resolveImport: (fromFile: string, spec: string) => {
      if (path.isAbsolute(fromFile)) return path.resolve(path.dirname(fromFile), spec);
      return spec;
    },
  };

  /** The check of `p` as the main file, cached until the next edit anywhere. Null if it cannot be read. */
  analyze(p: string): Analysis | null {
    if (this.cachedGeneration !== this.generation) {
      this.cache.clear();
      this.cachedGeneration = this.generation;
    }
    const cached = this.cache.get(p);
    if (cached) return cached;
    const text = this.readText(p);
    if (text === undefined) return null;
    // Nothing the check read has changed (an edit elsewhere, an undo, a version bump): the result stands.
    const previous = this.latest.get(p);
    if (previous && this.stillCurrent(previous)) {
      this.cache.set(p, previous);
      return previous;
    }
    const sources = new Map<string, string | undefined>();
    const host: SourceHost = {
      readFile: (file: string) => {
        const t = this.readText(file);
        sources.set(file, t);
        return t;
      },
      resolveImport: this.host.resolveImport,
    };
    // The main file is re-parsed from its previous parse: only the items an edit touched are parsed again. That
    // moves the previous parse's later items in place, so the previous analysis is replaced below, whatever happens.
    const base = previous?.parse;
    let mainParse: ParseResult | undefined;
    const parseFile = (file: string, source: string): ParseResult => {
      if (file !== p) return this.importedParse(file, source);
      mainParse = (base && reparse(base, source)) ?? parse(file, source);
      return mainParse;
    };
    if (previous) this.latest.delete(p);
    let result: CheckResult;
    try {
      const reuse = previous?.result.memo;
      result = checkProgram(p, host, { ...(this.limits ? { limits: this.limits } : {}), lazyLowering: true, parse: parseFile, memo: true, ...(reuse ? { reuse } : {}) });
    } catch (err) {
      // checkProgram turns its own failures into K9001; this is the last line of defence. The file still gets
      // a diagnostic, so that it never looks clean because the check failed.
      this.log(`checker failed on ${p}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      result = {
        diagnostics: [makeDiagnostic('K9001', p, { start: 0, end: 0 }, reason)],
        files: new Map(),
        program: null,
        semantic: { symbols: [], references: [], exprTypes: [] },
      };
    }
    for (const d of result.diagnostics) if (d.code === 'K9001') this.log(`kern: ${p}: ${d.message}`);
    const analysis: Analysis = {
      path: p,
      uri: this.uriOf(p),
      text,
      lineMap: new LineMap(text),
      result,
      file: result.files.get(p),
      dependencies: new Set(result.files.keys()),
      sources,
      limits: this.limits,
      parse: mainParse,
    };
    this.cache.set(p, analysis);
    // Only open documents are kept across edits: closed files' analyses are rebuilt when asked for.
    if (this.documentsByPath.has(p)) this.latest.set(p, analysis);
    return analysis;
  }

  /**
   * The parse of a file read through an `import`, kept while its text stays the same: its items are then the
   * same syntax nodes from check to check, so their checks are replayed too. These parses are only ever read:
   * the incremental re-parse starts from a main file's own previous parse, never from one of these.
   */
  private importedParse(file: string, source: string): ParseResult {
    const kept = this.importParses.get(file);
    if (kept && kept.file.text === source) return kept;
    const fresh = parse(file, source);
    this.importParses.set(file, fresh);
    return fresh;
  }

  private stillCurrent(a: Analysis): boolean {
    if (a.limits !== this.limits || a.uri !== this.uriOf(a.path)) return false;
    for (const [file, text] of a.sources) if (this.readText(file) !== text) return false;
    return true;
  }

  /**
   * For completion: the current analysis when one is ready, else the last one of this file seen through the
   * edits since (so that typing does not wait for a full check). Null when the file was never analysed and cannot be.
   */
  analyzeForCompletion(p: string): StaleView | null {
    if (this.cachedGeneration === this.generation) {
      const cached = this.cache.get(p);
      if (cached) return { analysis: cached, text: cached.text, lineMap: cached.lineMap, modelOffset: (o) => o };
    }
    const previous = this.latest.get(p);
    const text = this.readText(p);
    if (!previous || text === undefined || previous.limits !== this.limits) {
      const fresh = this.analyze(p);
      return fresh ? { analysis: fresh, text: fresh.text, lineMap: fresh.lineMap, modelOffset: (o) => o } : null;
    }
    return { analysis: previous, text, lineMap: new LineMap(text), modelOffset: offsetMapper(previous.text, text) };
  }

  /** The line map of any file the analysis touched. */
  lineMapOf(analysis: Analysis, file: string): LineMap {
    if (file === analysis.path) return analysis.lineMap;
    const text = analysis.result.files.get(file)?.text ?? this.readText(file) ?? '';
    return new LineMap(text);
  }

  /** `.kern` files under the workspace folders (bounded), for workspace symbols and cross-file rename. */
  workspaceFiles(limit = 2000): string[] {
    const out = new Set<string>(this.documentsByPath.keys());
    const skip = new Set(['node_modules', '.git', 'dist', '.e2e', 'out']);
    const visit = (dir: string, depth: number) => {
      if (out.size >= limit || depth > 12) return;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (out.size >= limit) return;
        if (e.isDirectory()) {
          if (!skip.has(e.name) && !e.name.startsWith('.')) visit(path.join(dir, e.name), depth + 1);
        } else if (e.isFile() && e.name.endsWith('.kern')) out.add(path.join(dir, e.name));
      }
    };
    for (const root of this.roots) visit(root, 0);
    return [...out];
  }
}

/**
 * Maps offsets in `now` to offsets in `before`, the two texts differing in one region (found as the common
 * prefix and suffix): before the region offsets stay, after it they shift, inside it they clamp to its old extent.
 */
export function offsetMapper(before: string, now: string): (offset: number) => number {
  const { from: prefix, oldTo: oldEnd, newTo: newEnd } = changedRange(before, now);
  return (offset: number) => {
    if (offset <= prefix) return offset;
    if (offset >= newEnd) return offset - newEnd + oldEnd;
    return Math.min(oldEnd, offset);
  };
}
