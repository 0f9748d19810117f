// `egpu devices` (placeholder until its issue lands).

export async function runDevices(_args: string[]): Promise<number> {
  process.stderr.write('egpu devices: not implemented yet\n');
  return 2;
}
