// Entry point of the Kern language server (bundled to dist/server.js): speaks LSP over stdio, or over
// node IPC / a socket when the client starts it with --node-ipc or --socket=N.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startKernServer, startStdioServer } from './server';

const args = process.argv.slice(2);
if (args.includes('--stdio') || !args.some((a) => a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe'))) {
  startStdioServer();
} else {
  startKernServer(createConnection(ProposedFeatures.all));
}
