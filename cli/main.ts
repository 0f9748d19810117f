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
  egpu compile FILE --target ptx|js [--kernel NAME] [--arch sm_80]
                                                    print generated code
  egpu run FILE [--run NAME] [--device sim|sim:PROFILE|cuda:N] [--profile FILE.json]
                [--time-limit MS] [--json] [--trace OUT.json]
                                                    run the run blocks: timeline, verdict, expects
  egpu devices [--json] [--profile FILE.json]       list simulated profiles and CUDA devices
  egpu llama [--model FILE.gguf | --quant q4_0|q8_0|f16|bf16|f32] [--prompt TEXT] [--tokens N]
             [--device sim|sim:PROFILE|cuda:N] [--weights device|host] [--seed N] [--temperature T]
             [--top-p P] [--context N] [--trace OUT.json] [--json]
                                                    the Llama demo (tiny generated model without --model)
  egpu llama --project llama-3.1-8b|llama-3.2-1b [--quant q4_0|q8_0|f16|bf16|f32]
             [--device sim:PROFILE] [--position N] [--json]
                                                    what-if: weights in VRAM vs over the link
  egpu bench [sim|lsp|llama|cuda…] [--quick]        benchmark suites (writes bench/results/)
  egpu lsp --stdio                                  start the Kern language server
  egpu demo [--device sim:PROFILE] [--trace OUT.json]
                                                    the quick-start demo
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
