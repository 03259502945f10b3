/**
 * The command tree. Bare flags mean `run`: the run options sit on the root program, so `claude-harness --help`
 * shows them all, and `claude-harness run …` takes the same ones. Commands do their work through `CliActions`,
 * which load their modules only when called, keeping start-up to commander and this file.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { flagHelp, flagSyntax, type RunFlags, runSettings, takesNoValue } from '../config/settings.js';
import { closestMatch } from '../config/values.js';
import { ExitCode, UsageError } from '../errors/index.js';
import { PROGRAM_NAME, reportError } from './exit.js';
import type { CommandIO } from './io.js';
import { packageVersion } from './version.js';

export interface DemoOptions {
  /** Exactly as typed; the action resolves it against the working directory. */
  projectDir?: string;
}

export interface FakeModelOptions {
  scenario: string;
  port?: number;
}

export interface DoctorCommandOptions {
  /** Exactly as typed; the sandbox is probed there instead of in a temporary folder. */
  projectDir?: string;
  /** Print one JSON object instead of lines. */
  json?: boolean;
}

export interface SkippedOptions {
  /** Exactly as typed; the action resolves it against the working directory. */
  projectDir: string;
  /** The ids given to `--reset`, or `all` for `--all`; absent to list. */
  reset?: string[] | 'all';
  json?: boolean;
}

export interface StatusOptions {
  /** Exactly as typed; the action resolves it against the working directory. */
  projectDir: string;
  json?: boolean;
}

export interface ReportOptions {
  /** Exactly as typed; the action resolves it against the working directory. */
  projectDir: string;
  /** Where to write the HTML, exactly as typed; `.claude-harness/report.html` in the project when absent. */
  out?: string;
}

export interface PolicyCheckCommandOptions {
  /** Exactly as typed; the current folder when absent. */
  projectDir?: string;
  json?: boolean;
  /** Read the commands as a JSON array of strings from standard input instead of `commands`. */
  stdin?: boolean;
  /** The commands to check, one argument each. */
  commands: string[];
}

export interface PolicyShowCommandOptions {
  /** Exactly as typed; the current folder when absent. */
  projectDir?: string;
}

/** What each command does; each returns the exit code. */
export interface CliActions {
  run(flags: RunFlags): Promise<number>;
  demo(options: DemoOptions): Promise<number>;
  doctor(options: DoctorCommandOptions): Promise<number>;
  skipped(options: SkippedOptions): Promise<number>;
  status(options: StatusOptions): Promise<number>;
  report(options: ReportOptions): Promise<number>;
  policyCheck(options: PolicyCheckCommandOptions): Promise<number>;
  policyShow(options: PolicyShowCommandOptions): Promise<number>;
  fakeModel(options: FakeModelOptions): Promise<number>;
}

const COMMANDS = [
  'run',
  'demo',
  'doctor',
  'skipped',
  'status',
  'report',
  'policy',
  'fake-model',
  'version',
] as const;

/** Marks a required flag in the help, which commander does not do by itself. */
const REQUIRED = ' (required)';

/** An "Examples:" block after a command's help. */
function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${PROGRAM_NAME} ${line}`).join('\n')}`;
}

const EXAMPLES = `
Examples:
  $ ${PROGRAM_NAME} --project-dir ./todo-app --spec ./app_spec.txt
  $ ${PROGRAM_NAME} --project-dir ./todo-app --spec ./change.md --mode enhancement --max-iterations 5
  $ ${PROGRAM_NAME} demo                      (offline, against the bundled fake model)

Settings may also come from claude-harness.json in the project folder; flags win over it.`;

/** Parses `argv` (the arguments after the program name), runs the command and returns the exit code. */
export async function runCli(argv: readonly string[], io: CommandIO, actions: CliActions): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = createProgram(actions, io, (code) => {
    exitCode = code;
  });
  try {
    // Bare `claude-harness` is a question, not a run with every flag missing: show the usage (exit 2).
    if (argv.length === 0) program.help({ error: true });
    // `-V`, as before `-v` became the short flag.
    await program.parseAsync(argv.length === 1 && argv[0] === '-V' ? ['--version'] : argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, { ...io, filter: await errorFilter(error, io.env) });
  }
}

/**
 * A harness error's message can quote the agent's text (a path, a feature, a command): it is redacted and
 * cleaned of terminal control sequences like every output. Loaded only when such an error happened, so
 * start-up stays small; commander's errors (`--help`, bad flags) quote only what the user typed.
 */
async function errorFilter(
  error: unknown,
  env: NodeJS.ProcessEnv,
): Promise<((text: string) => string) | undefined> {
  if (error instanceof CommanderError) return undefined;
  const [{ createRedactor }, { cleanTerminalText }] = await Promise.all([
    import('../report/redact.js'),
    import('../report/terminal-text.js'),
  ]);
  const redact = createRedactor({ env });
  return (text) => cleanTerminalText(redact(text));
}

export function createProgram(
  actions: CliActions,
  io: Pick<CommandIO, 'out' | 'err'>,
  setExitCode: (code: number) => void,
): Command {
  const program = new Command(PROGRAM_NAME)
    .description(
      'Drive Claude through many fresh-context sessions that build or extend one project, one feature at a time.',
    )
    .version(
      packageVersion(),
      '-v, --version',
      'Print the version and exit (also -V, or the version command)',
    )
    .helpOption('-h, --help', 'Show help for the command')
    .helpCommand('help [command]', 'Show help for a command')
    // Errors are reported once, by reportError, with exit code 2 for bad input.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out.write(text),
      writeErr: (text) => io.err.write(text),
      outputError: () => {},
    })
    .enablePositionalOptions();

  addRunOptions(program).action(async (_options: unknown, command: Command) => {
    const [unknown] = command.args;
    if (unknown !== undefined) {
      const guess = closestMatch(unknown, COMMANDS);
      const hint = guess ? ` (did you mean ${guess}?)` : ` (commands: ${COMMANDS.join(', ')})`;
      command.error(`error: unknown command '${unknown}'${hint}`, {
        exitCode: ExitCode.usage,
        code: 'commander.unknownCommand',
      });
    }
    setExitCode(await actions.run(runFlags(command)));
  });
  program.addHelpText('after', EXAMPLES);

  addRunOptions(program.command('run'))
    .description('Build or extend the project (the default: bare flags mean run)')
    .addHelpText('after', EXAMPLES)
    .action(async (_options: unknown, command: Command) => {
      setExitCode(await actions.run(runFlags(command)));
    });

  program
    .command('version')
    .description('Print the version and exit')
    .action(() => {
      io.out.write(`${packageVersion()}\n`);
    });

  program
    .command('demo')
    .description('Run a short session offline against the bundled fake model; needs no API key')
    .option('--project-dir <dir>', 'Folder for the demo project (default: a new temporary folder)')
    .addHelpText('after', examples('demo', 'demo --project-dir ./demo-app'))
    .action(async (options: { projectDir?: string }) => {
      setExitCode(
        await actions.demo(options.projectDir === undefined ? {} : { projectDir: options.projectDir }),
      );
    });

  program
    .command('doctor')
    .description('Check that this machine has what a run needs, and say how to fix what is missing')
    .option('--project-dir <dir>', 'Project folder to probe the sandbox in (default: a new temporary folder)')
    .option('--json', 'Print one JSON object: ok, the credential that will be used, and every check')
    .addHelpText('after', examples('doctor', 'doctor --project-dir ./todo-app', 'doctor --json'))
    .action(async (options: { projectDir?: string; json?: boolean }) => {
      setExitCode(
        await actions.doctor({
          ...(options.projectDir === undefined ? {} : { projectDir: options.projectDir }),
          ...(options.json === true ? { json: true } : {}),
        }),
      );
    });

  program
    .command('skipped')
    .description(
      'List the features a run skipped after --max-retries attempts, or reset them so the next run tries them again',
    )
    .requiredOption(
      '--project-dir <dir>',
      `The project folder of the run, relative to the current directory${REQUIRED}`,
    )
    .option('--reset <ids...>', 'Clear the skip and the attempts of these features, e.g. --reset F012 F040')
    .option('--all', 'Reset every skipped feature')
    .option('--json', 'Print JSON instead of text')
    .addHelpText(
      'after',
      examples(
        'skipped --project-dir ./todo-app',
        'skipped --project-dir ./todo-app --reset F012 F040',
        'skipped --project-dir ./todo-app --all',
      ),
    )
    .action(async (options: { projectDir: string; reset?: string[]; all?: boolean; json?: boolean }) => {
      if (options.reset !== undefined && options.all === true) {
        throw new UsageError(
          '--reset and --all cannot be used together: pass the ids to --reset, or --all to reset every skipped feature',
        );
      }
      const reset = options.all === true ? 'all' : options.reset;
      setExitCode(
        await actions.skipped({
          projectDir: options.projectDir,
          ...(reset === undefined ? {} : { reset }),
          ...(options.json === true ? { json: true } : {}),
        }),
      );
    });

  program
    .command('status')
    .description(
      'Show where a run stands: features passing, failing and skipped, the session running now, time, tokens and cost',
    )
    .requiredOption(
      '--project-dir <dir>',
      `The project folder of the run, relative to the current directory${REQUIRED}`,
    )
    .option('--json', 'Print JSON instead of text')
    .addHelpText(
      'after',
      examples('status --project-dir ./todo-app', 'status --project-dir ./todo-app --json'),
    )
    .action(async (options: { projectDir: string; json?: boolean }) => {
      setExitCode(
        await actions.status({
          projectDir: options.projectDir,
          ...(options.json === true ? { json: true } : {}),
        }),
      );
    });

  program
    .command('report')
    .description(
      'Write one self-contained HTML report of a run: charts of progress, cost and tokens, and tables',
    )
    .requiredOption(
      '--project-dir <dir>',
      `The project folder of the run, relative to the current directory${REQUIRED}`,
    )
    .option(
      '--out <file>',
      'Where to write the report, relative to the current directory (default: .claude-harness/report.html in the project)',
    )
    .addHelpText(
      'after',
      examples('report --project-dir ./todo-app', 'report --project-dir ./todo-app --out ./report.html'),
    )
    .action(async (options: { projectDir: string; out?: string }) => {
      setExitCode(
        await actions.report({
          projectDir: options.projectDir,
          ...(options.out === undefined ? {} : { out: options.out }),
        }),
      );
    });

  const policy = program
    .command('policy')
    .description("Check commands against the agent's shell command policy, or show the policy");
  policy
    .command('check')
    .description(
      'Say for each command whether the policy allows it, which rule decided and why; exit 1 when any is refused',
    )
    .argument('[command...]', 'Commands to check, one quoted argument each')
    .option(
      '--project-dir <dir>',
      'Project whose claude-harness.json policy applies and whose folder paths are judged against (default: the current folder)',
    )
    .option('--json', 'Print JSON instead of text')
    .option('--stdin', 'Read the commands as a JSON array of strings from standard input')
    .addHelpText(
      'after',
      examples(
        "policy check 'ls && npm run build' 'rm -rf /'",
        "policy check --project-dir ./todo-app --json 'npm test'",
        `policy check --stdin < commands.json`,
      ),
    )
    .action(async (commands: string[], options: { projectDir?: string; json?: boolean; stdin?: boolean }) => {
      setExitCode(
        await actions.policyCheck({
          commands,
          ...(options.projectDir === undefined ? {} : { projectDir: options.projectDir }),
          ...(options.json === true ? { json: true } : {}),
          ...(options.stdin === true ? { stdin: true } : {}),
        }),
      );
    });
  policy
    .command('show')
    .description('Print the policy in force: the defaults merged with the project’s claude-harness.json')
    .option(
      '--project-dir <dir>',
      'Project whose claude-harness.json policy applies (default: the current folder)',
    )
    .addHelpText('after', examples('policy show', 'policy show --project-dir ./todo-app'))
    .action(async (options: { projectDir?: string }) => {
      setExitCode(
        await actions.policyShow(options.projectDir === undefined ? {} : { projectDir: options.projectDir }),
      );
    });

  program
    .command('fake-model')
    .description('Serve a scripted fake Anthropic Messages API from a scenario file, for tests')
    .requiredOption(
      '--scenario <file>',
      `Scenario file (.yaml, .yml or .json) that scripts the replies${REQUIRED}`,
    )
    .addOption(
      new Option('--port <n>', 'Port to listen on; 0 picks a free one (default: 0)').argParser(parsePort),
    )
    .addHelpText(
      'after',
      examples('fake-model --scenario ./scenario.yaml', 'fake-model --scenario ./scenario.yaml --port 8787'),
    )
    .action(async (options: { scenario: string; port?: number }) => {
      setExitCode(
        await actions.fakeModel(
          options.port === undefined
            ? { scenario: options.scenario }
            : { scenario: options.scenario, port: options.port },
        ),
      );
    });

  // Only the root takes stray words, to name them as an unknown command. Set after the subcommands, which
  // copy the root's settings when created and must keep rejecting extra arguments.
  program.allowExcessArguments(true);
  return program;
}

/** Adds the run flags from the settings table. No commander defaults: an absent flag must not hide the file's value. */
function addRunOptions(command: Command): Command {
  for (const setting of runSettings()) {
    command.addOption(new Option(flagSyntax(setting), flagHelp(setting)).helpGroup('Run options:'));
  }
  return command;
}

/**
 * The run flags given on the command line. A flag without a value counts only when typed: commander gives a
 * `--no-x` option a value (`true`) even when absent, which must not hide the file's value.
 */
function runFlags(command: Command): RunFlags {
  const options = command.opts<Record<string, unknown>>();
  const flags: Record<string, string | true> = {};
  for (const setting of runSettings()) {
    if (takesNoValue(setting)) {
      const name = new Option(flagSyntax(setting)).attributeName();
      if (command.getOptionValueSource(name) === 'cli') flags[setting.key] = true;
      continue;
    }
    const value = options[setting.key];
    if (typeof value === 'string') flags[setting.key] = value;
  }
  return flags as RunFlags;
}

export function parsePort(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) > 65_535) {
    throw new InvalidArgumentError('The port must be a whole number from 0 to 65535');
  }
  return Number(raw);
}
