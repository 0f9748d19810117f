// `egpu lsp --stdio`: runs the Kern language server in this process, speaking LSP over stdin/stdout,
// for editors other than VS Code (see docs/editors.md).
import { parseArgs, UsageError } from '../args';
import { startStdioServer } from '../../language-server/server';

export async function runLsp(args: string[]): Promise<number> {
  try {
    const parsed = parseArgs(args, [], ['stdio']);
    if (!parsed.flags.has('stdio') || parsed.positionals.length > 0) {
      process.stderr.write('usage: egpu lsp --stdio    (the server speaks LSP over stdin/stdout)\n');
      return 2;
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`egpu lsp: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const connection = startStdioServer();
  // Resolve only when the client ends the session, so the CLI's exit code is set after `exit`.
  return new Promise<number>((resolve) => {
    connection.onExit(() => resolve(0));
    process.stdin.on('end', () => resolve(0));
  });
}
