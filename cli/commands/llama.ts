// `egpu llama` (placeholder until its issue lands).

export async function runLlama(_args: string[]): Promise<number> {
  process.stderr.write('egpu llama: not implemented yet\n');
  return 2;
}
