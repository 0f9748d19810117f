// Mocha entry point loaded by the real VS Code extension host (code-server) through the
// `extensionTestsPath` payload; exports run() as @vscode/test-electron suites do.
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  const suite = process.env.EGPU_E2E_SUITE === 'untrusted' ? 'untrusted.test.js' : 'extension.test.js';
  mocha.addFile(path.join(__dirname, suite));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
