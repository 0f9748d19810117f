// `egpu bench` (placeholder until its issue lands).

export async function runBench(_args: string[]): Promise<number> {
  process.stderr.write('egpu bench: not implemented yet\n');
  return 2;
}
