// `egpu check` (placeholder until its issue lands).

export async function runCheck(_args: string[]): Promise<number> {
  process.stderr.write('egpu check: not implemented yet\n');
  return 2;
}
