/**
 * The Node.js package managers and package runners. Installing and running the project's scripts is the
 * normal job; global installs, registry account changes and running packages the project does not know
 * (`npx some-random-pkg`) are refused.
 */
import type { Denial, Word } from '../model.js';
import { parseArgs } from '../options.js';
import type { SubcommandTool } from '../policy.js';
import {
  type CommandCall,
  denial,
  type Nested,
  type Rule,
  type RuleContext,
  type RuleResult,
  shown,
} from './context.js';
import { checkPath } from './paths.js';

/** `name@1.2.3`, `@scope/name@latest` → the package name. */
export function packageName(spec: string): string {
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0);
  return at === -1 ? spec : spec.slice(0, at);
}

/** May the runner run `spec` (a package, optionally with a version)? `bin` is the command it provides. */
export function checkPackage(
  context: RuleContext,
  call: Pick<CommandCall, 'cwds' | 'name'>,
  spec: Word,
  runner: string,
  bin?: string,
): Denial | undefined {
  if (spec.dynamic || spec.glob) {
    return denial(
      'package-dynamic',
      `${runner} ${shown(spec)}: the package is only known when the shell runs. Name it.`,
    );
  }
  const name = packageName(spec.value);
  const { policy } = context;
  const denied = policy.deniedPackages[name] ?? (bin === undefined ? undefined : policy.deniedPackages[bin]);
  if (denied !== undefined)
    return denial('package-denied', `${runner} ${name} is refused: ${name} ${denied}.`);
  if (/^(\.|\/|~)|:/.test(spec.value)) {
    return denial(
      'package-not-allowed',
      `${runner} ${shown(spec)} runs code from a path, URL or git repository: add the package to the project (npm install -D) and run it from there.`,
    );
  }
  if (policy.allowPackages.includes(name)) return undefined;
  if (context.hasLocalBin(bin ?? name, call.cwds)) return undefined;
  return denial(
    'package-not-allowed',
    `${runner} ${name} would download and run a package the policy does not know. Install it in the project first (\`npm install -D ${name}\`, then \`npx ${bin ?? name}\` runs it from node_modules/.bin), or ask the user to add it to policy.allowPackages.`,
  );
}

/** After the package is allowed: the command it runs is judged too when the policy has a rule for it. */
function runBin(context: RuleContext, bin: string, args: readonly Word[]): RuleResult {
  if (context.policy.commands[bin] === undefined) return undefined;
  return { nested: [{ argv: [{ ...argvWord(bin) }, ...args] }] };
}

function argvWord(value: string): Word {
  return { source: value, value, dynamic: false, glob: false, pattern: value, tilde: false };
}

/**
 * A package runner: `npx`, `npm exec`, `pnpm dlx|exec`, `yarn dlx`, `bunx`, `bun x`. `args` start after the
 * runner's own name (and sub-command).
 */
export function runPackage(
  context: RuleContext,
  call: CommandCall,
  args: readonly Word[],
  runner: string,
): RuleResult {
  const packages: Word[] = [];
  const scripts: string[] = [];
  let index = 0;
  for (; index < args.length; index++) {
    const word = args[index] as Word;
    const text = word.value;
    if (text === '--') {
      index += 1;
      break;
    }
    if (!text.startsWith('-')) break;
    const packageOption = /^(?:-p|--package)(?:=(.*))?$/s.exec(text);
    if (packageOption !== null) {
      const value = packageOption[1] !== undefined ? { ...word, value: packageOption[1] } : args[++index];
      if (value !== undefined) packages.push(value);
      continue;
    }
    const callOption = /^(?:-c|--call|--shell-mode)(?:=(.*))?$/s.exec(text);
    if (callOption !== null) {
      const value = callOption[1] !== undefined ? { ...word, value: callOption[1] } : args[++index];
      if (value === undefined) continue;
      if (value.dynamic)
        return denial(
          'package-dynamic',
          `${runner} -c ${shown(value)}: the command is only known when the shell runs.`,
        );
      scripts.push(value.value);
    }
  }
  const command = args[index];
  const rest = args.slice(index + 1);
  const bin = command === undefined ? undefined : packageName(command.value).split('/').at(-1);
  if (packages.length === 0 && command !== undefined) packages.push(command);
  for (const spec of packages) {
    const found = checkPackage(context, call, spec, runner, packages.length === 1 ? bin : undefined);
    if (found !== undefined) return found;
  }
  if (scripts.length > 0) return { nested: scripts.map((script) => ({ script })) };
  if (bin === undefined || command === undefined) return undefined;
  if (command.dynamic)
    return denial(
      'package-dynamic',
      `${runner} ${shown(command)}: the command is only known when the shell runs.`,
    );
  return runBin(context, bin, rest);
}

export const npxRule: Rule = (call, context) => runPackage(context, call, call.args, call.name);

/** The tools of the project (tsc, vitest, eslint…): they work on files inside the project. */
export const toolRule: Rule = (call, context) => {
  for (const word of call.args) {
    const value =
      word.value.startsWith('--') && word.value.includes('=')
        ? word.value.slice(word.value.indexOf('=') + 1)
        : word.value;
    if (
      word.tilde ||
      value.startsWith('/') ||
      value.startsWith('~') ||
      value === '..' ||
      value.startsWith('../') ||
      value.includes('/../')
    ) {
      const found = checkPath(
        context,
        call,
        { ...word, value, tilde: value.startsWith('~') },
        'inside',
        call.name,
        call.name,
      );
      if (found !== undefined) return found;
    }
  }
  return undefined;
};

interface ManagerSpec {
  /** Options that take a value (so their value is not taken for the sub-command). */
  valueOptions: readonly string[];
  /** Options naming another project folder: it must be inside the project. */
  dirOptions: readonly string[];
  /** Options that install or change things globally. */
  globalOptions: readonly string[];
  runners: readonly string[];
  creators: readonly string[];
  /** Unknown sub-commands run a package.json script or a local binary. */
  unknownRunsScript: boolean;
}

const MANAGERS: Record<'npm' | 'pnpm' | 'yarn' | 'bun', ManagerSpec> = {
  npm: {
    valueOptions: [
      '--prefix',
      '--workspace',
      '-w',
      '--registry',
      '--tag',
      '--omit',
      '--include',
      '--loglevel',
      '--location',
      '--cache',
      '--userconfig',
      '--globalconfig',
      '--otp',
      '--access',
      '--scope',
      '--before',
      '--save-prefix',
      '--script-shell',
    ],
    dirOptions: ['--prefix', '-C'],
    globalOptions: ['-g', '--global', '--location=global'],
    runners: ['exec', 'x'],
    creators: ['init', 'create', 'innit'],
    unknownRunsScript: false,
  },
  pnpm: {
    valueOptions: [
      '--dir',
      '-C',
      '--filter',
      '-F',
      '--workspace',
      '--reporter',
      '--loglevel',
      '--registry',
      '--store-dir',
    ],
    dirOptions: ['--dir', '-C'],
    globalOptions: ['-g', '--global'],
    runners: ['dlx', 'exec'],
    creators: ['create'],
    unknownRunsScript: true,
  },
  yarn: {
    valueOptions: ['--cwd', '--registry', '--modules-folder', '--cache-folder'],
    dirOptions: ['--cwd'],
    globalOptions: ['-g', '--global'],
    runners: ['dlx'],
    creators: ['create'],
    unknownRunsScript: true,
  },
  bun: {
    valueOptions: ['--cwd', '--filter', '--registry', '--backend', '--config', '-c'],
    dirOptions: ['--cwd'],
    globalOptions: ['-g', '--global'],
    runners: ['x'],
    creators: ['create', 'c'],
    unknownRunsScript: true,
  },
};

/** Sub-commands of the package managers that add packages (npm's typo aliases included). */
const INSTALLS = new Set(
  'install i in ins inst insta instal isnt isnta isntal isntall add a update up upgrade'.split(' '),
);

/** A package spec that is not a registry package: a URL, a git or GitHub spec, a `user/repo` shorthand. */
function remoteSpec(text: string): boolean {
  return (
    /:\/\/|^(git\+|git:|github:|gitlab:|bitbucket:|gist:|https?:|ssh:)/.test(text) ||
    /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(#.*)?$/.test(text) ||
    /^[^@/]*@[^:]+:/.test(text)
  );
}

/** `npm`, `pnpm`, `yarn`, `bun`: the sub-command table, global installs, and packages they would run. */
export const managerRule: Rule = (call, context) => {
  const manager = call.name as keyof typeof MANAGERS;
  const spec = MANAGERS[manager];
  const args = call.args;
  let subcommand: Word | undefined;
  let subIndex = -1;
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as Word;
    const text = word.value;
    if (text === '--') break;
    if (spec.globalOptions.includes(text) || (text === '--location' && args[index + 1]?.value === 'global')) {
      return denial(
        `${manager}-global`,
        `\`${manager} ${text}\` installs or changes things outside the project: add the package to the project instead (\`${manager} ${manager === 'npm' ? 'install -D' : 'add -D'} NAME\`).`,
      );
    }
    if (text === '--script-shell' || text.startsWith('--script-shell=')) {
      return denial(
        `${manager}-script-shell`,
        '`--script-shell` runs package scripts through another program: leave it out.',
      );
    }
    const [name, inline] =
      text.startsWith('--') && text.includes('=')
        ? [text.slice(0, text.indexOf('=')), text.slice(text.indexOf('=') + 1)]
        : [text, undefined];
    if (spec.dirOptions.includes(name)) {
      const dir = inline !== undefined ? { ...word, value: inline } : args[index + 1];
      if (dir !== undefined) {
        const found = checkPath(context, call, dir, 'write', `${manager} ${name}`, manager);
        if (found !== undefined) return found;
      }
    }
    if (text.startsWith('-')) {
      if (inline === undefined && spec.valueOptions.includes(text)) index += 1;
      continue;
    }
    if (subcommand === undefined) {
      subcommand = word;
      subIndex = index;
    }
  }
  // `npm` alone prints help, `yarn` alone installs; `npm -v` prints the version.
  if (subcommand === undefined) return undefined;
  if (subcommand.dynamic) {
    return denial(
      `${manager}-dynamic`,
      `${manager} ${shown(subcommand)}: the sub-command is only known when the shell runs.`,
    );
  }
  const rest = args.slice(subIndex + 1);
  const name = subcommand.value;
  const table = context.policy.subcommands[manager as SubcommandTool];
  const refused = table.deny[name];
  if (refused !== undefined)
    return denial(`${manager}-subcommand`, `\`${manager} ${name}\` is refused: it ${refused}.`);
  if (spec.runners.includes(name)) return runPackage(context, call, rest, `${manager} ${name}`);
  if (manager === 'yarn' && name === 'exec')
    return rest.length > 0 ? { nested: [{ argv: [...rest] }] } : undefined;
  if (manager === 'bun' && name === 'exec') {
    const script = rest[0];
    if (script === undefined) return undefined;
    if (script.dynamic)
      return denial(
        'bun-dynamic',
        `bun exec ${shown(script)}: the command is only known when the shell runs.`,
      );
    return { nested: [{ script: script.value }] };
  }
  if (spec.creators.includes(name) && table.allow.includes(name)) {
    const initializer = rest.find((word) => !word.value.startsWith('-'));
    if (initializer === undefined) return undefined;
    return runPackage(
      context,
      call,
      [
        { ...initializer, value: creatorPackage(initializer.value) },
        ...rest.slice(rest.indexOf(initializer) + 1),
      ],
      `${manager} ${name}`,
    );
  }
  if (manager === 'npm' && (name === 'config' || name === 'c')) {
    const action = rest.find((word) => !word.value.startsWith('-'))?.value;
    if (action !== undefined && !['get', 'list', 'ls'].includes(action)) {
      return denial(
        'npm-config',
        `\`npm config ${action}\` changes the user-wide npm config, outside the project: put settings in the project's .npmrc.`,
      );
    }
  }
  if (manager === 'bun' && name === 'run') return bunTarget(context, call, rest);
  if (INSTALLS.has(name)) {
    const remote = rest.find((word) => !word.value.startsWith('-') && remoteSpec(word.value));
    if (remote !== undefined) {
      return denial(
        `${manager}-remote-package`,
        `\`${manager} ${name} ${remote.source}\` installs code from a URL, tarball or git repository, whose install scripts would run unchecked: install a published package by name (\`${manager} ${manager === 'npm' ? 'install' : 'add'} NAME\`).`,
      );
    }
  }
  if (table.allow.includes(name)) return undefined;
  if (!spec.unknownRunsScript) {
    return denial(
      `${manager}-subcommand`,
      `\`${manager} ${name}\` is not a ${manager} command the policy knows: use install, ci, run, test, start, exec… (see \`claude-harness policy show\`).`,
    );
  }
  // `pnpm dev`, `yarn build`, `bun dev`: a package.json script, or else a binary of the project.
  return scriptOrBin(context, call, subcommand, rest, manager);
};

/** `create-vite` for `npm create vite`, `@scope/create-x` for `@scope/x`, `@scope/create` for `@scope`. */
function creatorPackage(spec: string): string {
  const name = packageName(spec);
  const version = spec.slice(name.length);
  if (name.startsWith('@')) {
    const [scope, rest] = name.split('/');
    return `${scope}/create${rest === undefined ? '' : `-${rest}`}${version}`;
  }
  return `create-${name}${version}`;
}

function scriptOrBin(
  context: RuleContext,
  call: CommandCall,
  target: Word,
  rest: readonly Word[],
  manager: string,
): RuleResult {
  const scripts = context.packageScripts();
  if (Object.hasOwn(scripts, target.value)) return undefined;
  if (manager === 'bun' && /[./]/.test(target.value))
    return checkPath(context, call, target, 'inside', 'bun script', 'bun');
  return runPackage(context, call, [target, ...rest], manager);
}

/** `bun run X`: a package.json script, a file in the project, or a local binary. */
function bunTarget(context: RuleContext, call: CommandCall, rest: readonly Word[]): RuleResult {
  const target = rest.find((word) => !word.value.startsWith('-'));
  if (target === undefined) return undefined;
  return scriptOrBin(context, call, target, rest.slice(rest.indexOf(target) + 1), 'bun');
}

/** `concurrently "cmd one" "cmd two"`: each operand is a shell command (or `npm:script`). */
export const concurrentlyRule: Rule = (call) => {
  const parsed = parseArgs(call.args, {
    short: 'ncpsltm',
    long: [
      'names',
      'prefix-colors',
      'prefix',
      'success',
      'prefix-length',
      'timestamp-format',
      'restart-tries',
      'restart-after',
      'kill-signal',
      'default-input-target',
      'max-processes',
      'name-separator',
      'passthrough-arguments',
    ],
  });
  const nested: Nested[] = [];
  for (const operand of parsed.operands) {
    if (operand.dynamic)
      return denial(
        'concurrently-dynamic',
        `concurrently ${shown(operand)}: the command is only known when the shell runs.`,
      );
    if (/^(npm|pnpm|yarn|bun):/.test(operand.value)) continue;
    nested.push({ script: operand.value });
  }
  return nested.length > 0 ? { nested } : undefined;
};

/** `nodemon [--exec "CMD"] [script.js]`: the exec command is shell; the script must be in the project. */
export const nodemonRule: Rule = (call, context) => {
  const parsed = parseArgs(call.args, {
    short: 'xweidV',
    long: ['exec', 'watch', 'ext', 'ignore', 'delay', 'signal', 'config', 'spawn'],
    stopAtOperand: true,
  });
  const nested: Nested[] = [];
  for (const option of parsed.options) {
    if ((option.name === '-x' || option.name === '--exec') && option.value !== undefined) {
      if (option.value.dynamic)
        return denial(
          'nodemon-dynamic',
          `nodemon --exec ${shown(option.value)}: the command is only known when the shell runs.`,
        );
      nested.push({ script: option.value.value });
    }
  }
  const script = parsed.operands[0];
  if (script !== undefined) {
    const found = checkPath(context, call, script, 'inside', 'nodemon script', 'nodemon');
    if (found !== undefined) return found;
  }
  return nested.length > 0 ? { nested } : undefined;
};
