// `egpu run` (placeholder until its issue lands).

export async function runRun(_args: string[]): Promise<number> {
  process.stderr.write('egpu run: not implemented yet\n');
  return 2;
}
