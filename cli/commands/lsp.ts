// `egpu lsp` (placeholder until its issue lands).

export async function runLsp(_args: string[]): Promise<number> {
  process.stderr.write('egpu lsp: not implemented yet\n');
  return 2;
}
