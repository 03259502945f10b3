/**
 * Which commands count as a proof that a feature works. Only real test-runner invocations, in a small set
 * of forms, with a short list of options per runner; everything else is refused with a reason the agent
 * can act on. The harness runs an accepted command itself (see run-tests.ts): it resolves the runner to
 * `<project>/node_modules/.bin/<runner>` (or this Node for `node --test`) and spawns the argv directly.
 * `npx` and `npm` are never run: npx could download a package, npm would run `pretest` / `posttest`.
 *
 * Accepted forms:
 *   npx vitest run [options] [files…]        npx vitest [options] [files…] --run
 *   npx playwright test [options] [files…]
 *   node --test [options] [files…]
 *   npx jest [options] [files…]              npx mocha [options] [files…]
 *   npm test [-- args…]                      npm run test[:name] [-- args…]
 * `npm` forms are accepted when the package.json script is itself one of the runner forms above (written
 * with or without `npx`); the args after `--` are appended to it, as npm would.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { isInside } from '../guards/paths.js';
import { tokenizeCommand } from './command-words.js';

export const TEST_RUNNERS = ['vitest', 'playwright', 'node', 'jest', 'mocha'] as const;
export type TestRunner = (typeof TEST_RUNNERS)[number];

export interface AcceptedTestCommand {
  ok: true;
  runner: TestRunner;
  /** The file and folder arguments, relative to the project, `/`-separated, in the order given. */
  files: string[];
  /** What the harness spawns: argv[0] is an absolute path (the runner's bin, or this Node). */
  argv: string[];
  /** The runner's own arguments (after `run` / `test` for vitest and playwright), for file discovery. */
  args: string[];
}
export type TestCommandCheck = AcceptedTestCommand | { ok: false; reason: string };

/** Shown in every "not a test runner" refusal. */
export const ACCEPTED_FORMS = [
  'npx vitest run [files…]',
  'npx playwright test [files…]',
  'node --test [files…]',
  'npx jest [files…]',
  'npx mocha [files…]',
  'npm test [-- args]',
  'npm run test[:name] [-- args]',
] as const;

interface RunnerSpec {
  /** Options that take no value. */
  flags: ReadonlySet<string>;
  /** Options followed by a value (`-t x`, `--grep=x`). */
  valued: ReadonlySet<string>;
  /** Options refused with a specific reason. */
  refused: Readonly<Record<string, string>>;
}

const WHY_REPORTER = 'changes the output the harness reads the test counts from';
const WHY_CONFIG = 'points the runner at another configuration or root than the project';
const WHY_UPDATE = 'rewrites snapshots, so any output would pass';
const WHY_NO_TESTS = 'makes a run without tests pass';
const WHY_WATCH = 'never ends';

const SPECS: Readonly<Record<TestRunner, RunnerSpec>> = {
  vitest: {
    flags: new Set(['--run', '--silent', '--no-file-parallelism', '--bail']),
    valued: new Set(['-t', '--testNamePattern', '--project', '--testTimeout']),
    refused: {
      '-u': WHY_UPDATE,
      '--update': WHY_UPDATE,
      '--passWithNoTests': WHY_NO_TESTS,
      '--reporter': WHY_REPORTER,
      '-c': WHY_CONFIG,
      '--config': WHY_CONFIG,
      '-r': WHY_CONFIG,
      '--root': WHY_CONFIG,
      '--dir': WHY_CONFIG,
      '--allowOnly': 'lets `.only` tests hide the others',
      '-w': WHY_WATCH,
      '--watch': WHY_WATCH,
      '--changed': 'runs only the tests of changed files',
      '--retry': 'retries failing tests until they pass',
    },
  },
  playwright: {
    flags: new Set(['--forbid-only', '--fully-parallel', '-x', '--quiet']),
    valued: new Set(['-g', '--grep', '--grep-invert', '--project', '--workers', '-j', '--timeout']),
    refused: {
      '-u': WHY_UPDATE,
      '--update-snapshots': WHY_UPDATE,
      '--pass-with-no-tests': WHY_NO_TESTS,
      '--reporter': WHY_REPORTER,
      '-c': WHY_CONFIG,
      '--config': WHY_CONFIG,
      '--retries': 'retries failing tests until they pass',
      '--last-failed': 'runs only the tests that failed last time',
      '--only-changed': 'runs only the tests of changed files',
      '--list': 'lists the tests without running them',
      '--ui': WHY_WATCH,
      '--debug': WHY_WATCH,
      '--headed': 'needs a display; the harness runs browsers headless',
    },
  },
  node: {
    flags: new Set(['--experimental-strip-types', '--experimental-test-module-mocks']),
    valued: new Set(['--test-name-pattern', '--test-timeout', '--test-concurrency', '--import']),
    refused: {
      '--test-only': 'runs only the `.only` tests',
      '--test-reporter': WHY_REPORTER,
      '--test-reporter-destination': WHY_REPORTER,
      '--test-update-snapshots': WHY_UPDATE,
      '--require': 'loads code before the tests (use --import with a package name)',
      '-r': 'loads code before the tests (use --import with a package name)',
      '--loader': 'loads code before the tests (use --import with a package name)',
      '--eval': 'runs inline code, not tests',
      '-e': 'runs inline code, not tests',
      '--watch': WHY_WATCH,
    },
  },
  jest: {
    flags: new Set(['--runInBand', '-i', '--ci', '--silent', '--bail']),
    valued: new Set(['-t', '--testNamePattern', '--testTimeout', '--maxWorkers']),
    refused: {
      '-u': WHY_UPDATE,
      '--updateSnapshot': WHY_UPDATE,
      '--passWithNoTests': WHY_NO_TESTS,
      '--reporters': WHY_REPORTER,
      '--json': WHY_REPORTER,
      '-c': WHY_CONFIG,
      '--config': WHY_CONFIG,
      '--rootDir': WHY_CONFIG,
      '--watch': WHY_WATCH,
      '--watchAll': WHY_WATCH,
      '-o': 'runs only the tests of changed files',
      '--onlyChanged': 'runs only the tests of changed files',
    },
  },
  mocha: {
    flags: new Set(['--recursive', '--forbid-only', '--forbid-pending', '--bail', '-b']),
    valued: new Set(['-g', '--grep', '--timeout', '-t']),
    refused: {
      '-R': WHY_REPORTER,
      '--reporter': WHY_REPORTER,
      '--config': WHY_CONFIG,
      '--require': 'loads code before the tests',
      '-r': 'loads code before the tests',
      '--retries': 'retries failing tests until they pass',
      '--allow-uncaught': 'lets errors escape the runner',
      '-w': WHY_WATCH,
      '--watch': WHY_WATCH,
      '--invert': 'runs the tests the filter does not match',
    },
  },
};

/** How the runner is named after `npx` or in a package.json script. */
const BIN_NAMES: Readonly<Record<string, TestRunner>> = {
  vitest: 'vitest',
  playwright: 'playwright',
  jest: 'jest',
  mocha: 'mocha',
};

/** Checks a proof command; on success says which runner, which files and exactly what to spawn. */
export function checkTestCommand(command: string, projectDir: string): TestCommandCheck {
  const tokens = tokenizeCommand(command.trim());
  if (!tokens.ok) return tokens;
  const root = realProjectDir(projectDir);
  if (root === undefined) return { ok: false, reason: `the project folder ${projectDir} does not exist` };
  const [head, ...rest] = tokens.argv;
  if (head === 'npm') return checkNpm(rest, root);
  return checkInvocation(tokens.argv, root, '');
}

/** One runner invocation: `npx <runner> …`, `node --test …`, or (in a script) `<runner> …`. */
function checkInvocation(argv: readonly string[], root: string, context: string): TestCommandCheck {
  const [head, ...rest] = argv;
  if (head === 'node') return checkRunnerArgs('node', rest, root, context);
  if (head === 'npx') {
    const [bin, ...args] = rest;
    if (bin === undefined) return notARunner(argv, context);
    if (bin.startsWith('-')) {
      return refuse(
        `\`npx ${bin}\`: options to npx itself are not accepted; the harness runs the project's installed runner`,
        context,
      );
    }
    const runner = BIN_NAMES[bin];
    if (runner === undefined) return notARunner(argv, context);
    return checkRunnerArgs(runner, args, root, context);
  }
  // Inside a package.json script, npm puts node_modules/.bin on PATH, so runners appear bare.
  if (context !== '' && head !== undefined) {
    const runner = BIN_NAMES[head];
    if (runner !== undefined) return checkRunnerArgs(runner, rest, root, context);
  }
  return notARunner(argv, context);
}

function checkNpm(args: readonly string[], root: string): TestCommandCheck {
  const [verb, ...rest] = args;
  let script: string;
  let extra: readonly string[];
  if (verb === 'test' || verb === 't') {
    script = 'test';
    extra = rest;
  } else if (verb === 'run' || verb === 'run-script') {
    const [name, ...after] = rest;
    if (name === undefined || !/^test(:[\w.-]+)?$/.test(name)) {
      return {
        ok: false,
        reason: `\`npm ${args.join(' ')}\` does not run a test script: only \`npm test\` and \`npm run test\` / \`npm run test:<name>\` are accepted`,
      };
    }
    script = name;
    extra = after;
  } else {
    return notARunner(['npm', ...args], '');
  }
  if (extra.length > 0 && extra[0] !== '--') {
    return {
      ok: false,
      reason: `pass extra arguments to the test script after \`--\` (\`npm ${verb === 'test' ? 'test' : `run ${script}`} -- ${extra.join(' ')}\`)`,
    };
  }
  const scriptText = readScript(root, script);
  if (scriptText === undefined) {
    return { ok: false, reason: `package.json has no "${script}" script` };
  }
  const context = `the package.json script "${script}" (\`${scriptText}\`)`;
  const tokens = tokenizeCommand(scriptText.trim());
  if (!tokens.ok) return refuse(tokens.reason, context);
  return checkInvocation([...tokens.argv, ...extra.slice(1)], root, context);
}

function checkRunnerArgs(
  runner: TestRunner,
  given: readonly string[],
  root: string,
  context: string,
): TestCommandCheck {
  let args = [...given];
  if (runner === 'vitest') {
    if (args[0] === 'run') args = args.slice(1);
    // A package.json script of plain `vitest` is the usual setup; with CI=1 (always set) it runs once.
    else if (!args.includes('--run') && context === '') {
      return refuse('vitest must run once: `vitest run …` or `vitest … --run` (not watch mode)', context);
    }
  }
  if (runner === 'playwright') {
    if (args[0] !== 'test') return refuse('playwright runs tests with `playwright test …`', context);
    args = args.slice(1);
  }
  if (runner === 'node' && !args.includes('--test')) {
    return refuse(
      '`node` runs tests only with `node --test [files…]`; running a script proves nothing',
      context,
    );
  }
  const spec = SPECS[runner];
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (runner === 'node' && arg === '--test') continue;
    if (arg === '--') return refuse(`\`--\` is not accepted in a ${runner} command`, context);
    if (arg.startsWith('-')) {
      const [name, inlineValue] = splitOption(arg);
      const why = spec.refused[name];
      if (why !== undefined) return refuse(`\`${name}\` is not accepted: it ${why}`, context);
      if (spec.flags.has(name) && inlineValue === undefined) continue;
      if (spec.valued.has(name)) {
        const value = inlineValue ?? args[i + 1];
        if (value === undefined) return refuse(`\`${name}\` needs a value`, context);
        if (inlineValue === undefined) i += 1;
        if (runner === 'node' && name === '--import' && !isPackageName(value)) {
          return refuse(
            `\`--import ${value}\`: only a package name may be imported before the tests`,
            context,
          );
        }
        continue;
      }
      const allowed = [...spec.flags, ...spec.valued].join(', ');
      return refuse(`\`${name}\` is not an accepted ${runner} option (accepted: ${allowed})`, context);
    }
    if (runner === 'node' && files.length === 0 && args.slice(i + 1).some((a) => a.startsWith('-'))) {
      return refuse('put node options before the test files', context);
    }
    const file = checkPath(arg, root);
    if (!file.ok) return refuse(file.reason, context);
    files.push(file.path);
  }
  const bin = runner === 'node' ? process.execPath : join(root, 'node_modules', '.bin', runner);
  if (runner !== 'node' && !existsSync(bin)) {
    return refuse(
      `${runner} is not installed in the project (node_modules/.bin/${runner} is missing): add it to devDependencies and install it first`,
      context,
    );
  }
  const spawnArgs = runner === 'node' ? given.filter((a) => a !== '--test') : given;
  const argv = runner === 'node' ? [bin, '--test', ...spawnArgs] : [bin, ...spawnArgs];
  return { ok: true, runner, files, argv, args };
}

/** A test file or folder named in the command: inside the project, existing, not a dependency. */
function checkPath(arg: string, root: string): { ok: true; path: string } | { ok: false; reason: string } {
  const absolute = resolve(root, arg);
  if (!isInside(absolute, root)) {
    return { ok: false, reason: `\`${arg}\` is outside the project: name test files inside it` };
  }
  if (!existsSync(absolute)) {
    return { ok: false, reason: `\`${arg}\` does not exist in the project: name a test file that does` };
  }
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch {
    return { ok: false, reason: `\`${arg}\` cannot be read` };
  }
  if (!isInside(real, root)) {
    return { ok: false, reason: `\`${arg}\` links to a file outside the project` };
  }
  const rel = toPosix(relative(root, absolute));
  if (rel.split('/').some((part) => part === 'node_modules' || part === '.claude-harness')) {
    return {
      ok: false,
      reason: `\`${arg}\` is not a test of this project (it is under ${rel.split('/')[0]})`,
    };
  }
  const kind = statSync(real);
  if (!kind.isFile() && !kind.isDirectory()) {
    return { ok: false, reason: `\`${arg}\` is neither a file nor a folder` };
  }
  return { ok: true, path: rel === '' ? '.' : rel };
}

function readScript(root: string, name: string): string | undefined {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const scripts = (data as { scripts?: unknown } | null)?.scripts;
  if (typeof scripts !== 'object' || scripts === null) return undefined;
  const script = (scripts as Record<string, unknown>)[name];
  return typeof script === 'string' ? script : undefined;
}

function splitOption(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return eq === -1 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

function isPackageName(value: string): boolean {
  return /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[\w.-]+)*$/i.test(value) && !value.includes('..');
}

function notARunner(argv: readonly string[], context: string): TestCommandCheck {
  const shown = argv.join(' ');
  return refuse(
    `\`${shown}\` is not a test runner invocation. Accepted: ${ACCEPTED_FORMS.map((f) => `\`${f}\``).join(', ')}`,
    context,
  );
}

function refuse(reason: string, context: string): { ok: false; reason: string } {
  return { ok: false, reason: context === '' ? reason : `${context}: ${reason}` };
}

export function realProjectDir(projectDir: string): string | undefined {
  try {
    return realpathSync(projectDir);
  } catch {
    return undefined;
  }
}

export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
