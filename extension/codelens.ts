// CodeLens above every `run` block (▶ Run, ⏱ Profile) and a `Run all` lens at the top of the file.
// Uses the Kern parser directly (pure TypeScript), so lenses appear before the server answers.
import * as vscode from 'vscode';
import { parse } from '../kernels/lang/parser';

export class RunCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    let items;
    try {
      items = parse(document.uri.fsPath, document.getText()).file.items;
    } catch {
      return [];
    }
    const runs = items.filter((i) => i.kind === 'Run');
    if (runs.length === 0) return [];
    const lenses: vscode.CodeLens[] = [];
    const top = new vscode.Range(0, 0, 0, 0);
    lenses.push(new vscode.CodeLens(top, { title: '▶ Run all', command: 'egpu.run', arguments: [document.uri] }));
    for (const run of runs) {
      if (run.kind !== 'Run') continue;
      const pos = document.positionAt(run.span.start);
      const range = new vscode.Range(pos, pos);
      const name = run.name.name;
      lenses.push(
        new vscode.CodeLens(range, { title: '▶ Run', tooltip: `Run '${name}' on the selected device`, command: 'egpu.run', arguments: [document.uri, name] }),
        new vscode.CodeLens(range, { title: '⏱ Profile', tooltip: `Run '${name}' and open the timeline`, command: 'egpu.profile', arguments: [document.uri, name] }),
      );
    }
    return lenses;
  }
}
