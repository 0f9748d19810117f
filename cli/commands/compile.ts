// `egpu compile` (placeholder until its issue lands).

export async function runCompile(_args: string[]): Promise<number> {
  process.stderr.write('egpu compile: not implemented yet\n');
  return 2;
}
