// `egpu demo` (placeholder until its issue lands).

export async function runDemo(_args: string[]): Promise<number> {
  process.stderr.write('egpu demo: not implemented yet\n');
  return 2;
}
