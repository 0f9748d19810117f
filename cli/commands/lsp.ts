// `egpu lsp --stdio`: runs the Kern language server (in a child process with the server's Node flags), speaking LSP
// over stdin/stdout, for editors other than VS Code (see docs/editors.md).
import { spawn } from 'node:child_process';
import { parseArgs, UsageError } from '../args';
import { startStdioServer } from '../../language-server/server';
import { SERVER_NODE_FLAGS } from '../../language-server/protocol';

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
  // The server's Node flags apply only at start: without them, run again as a child with them, on the same
  // stdin/stdout. (EGPU_LSP_CHILD keeps it to one level even if the flags do not show in execArgv.)
  if (!SERVER_NODE_FLAGS.every((f) => process.execArgv.includes(f)) && process.env.EGPU_LSP_CHILD !== '1') {
    const child = spawn(process.execPath, [...process.execArgv, ...SERVER_NODE_FLAGS, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, EGPU_LSP_CHILD: '1' },
    });
    return new Promise<number>((resolve) => {
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      child.on('error', (err) => {
        process.stderr.write(`egpu lsp: could not start the server process: ${err.message}\n`);
        resolve(1);
      });
    });
  }
  const connection = startStdioServer();
  // Resolve only when the client ends the session, so the CLI's exit code is set after `exit`.
  return new Promise<number>((resolve) => {
    connection.onExit(() => resolve(0));
    process.stdin.on('end', () => resolve(0));
  });
}
