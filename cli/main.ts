// The `egpu` command: parses the subcommand and hands over to cli/commands/<name>.ts.
import { runCheck } from './commands/check';
import { runCompile } from './commands/compile';
import { runRun } from './commands/run';
import { runDevices } from './commands/devices';
import { runLlama } from './commands/llama';
import { runBench } from './commands/bench';
import { runLsp } from './commands/lsp';
import { runDemo } from './commands/demo';

const USAGE = `egpu — eGPU Kernel Studio command line

usage:
  egpu check FILE… [--json]                         diagnostics for .kern files
  egpu compile FILE --target ptx|js [--kernel NAME] print generated code
  egpu run FILE [--run NAME] [--device sim|sim:PROFILE|cuda:N] [--json] [--trace OUT.json]
  egpu devices [--json]                             list simulated profiles and CUDA devices
  egpu llama [--model FILE.gguf] [--prompt TEXT] [--tokens N] [--device …] [--trace OUT.json] [--json]
  egpu llama --project llama-3.1-8b [--quant q4_0|q8_0|f16] [--device sim:PROFILE] [--json]
  egpu bench [--quick]                              benchmark suite (writes bench/results/)
  egpu lsp --stdio                                  start the Kern language server
  egpu demo                                         the quick-start demo
`;

type Command = (args: string[]) => Promise<number>;
const COMMANDS: Record<string, Command> = {
  check: runCheck,
  compile: runCompile,
  run: runRun,
  devices: runDevices,
  llama: runLlama,
  bench: runBench,
  lsp: runLsp,
  demo: runDemo,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`egpu: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`egpu: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 70;
  },
);
