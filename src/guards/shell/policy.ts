/**
 * The command policy as data: which commands may run and which rule checks their arguments, which are
 * refused and why, and the lists the rules consult (hosts, packages, sub-commands). A project extends the
 * defaults with the `policy` section of its config file (`policyConfigSchema`, merged by `mergePolicy`).
 */
import { z } from 'zod';

/** The evaluators in `rules/`; a command's entry names the one that checks its arguments. */
export const RULE_NAMES = [
  'read',
  'plain',
  'builtin',
  'cd',
  'printf',
  'let',
  'shopt',
  'hash',
  'trap',
  'sort',
  'uniq',
  'tree',
  'date',
  'awk',
  'rm',
  'write',
  'cp',
  'mv',
  'ln',
  'chmod',
  'tee',
  'sed',
  'tar',
  'find',
  'xargs',
  'env',
  'nohup',
  'timeout',
  'time',
  'nice',
  'stdbuf',
  'setsid',
  'command',
  'git',
  'npm',
  'pnpm',
  'yarn',
  'bun',
  'npx',
  'tool',
  'concurrently',
  'nodemon',
  'node',
  'python',
  'pip',
  'pytest',
  'rg',
  'ps',
  'shell',
  'kill',
  'pkill',
  'killall',
  'curl',
  'wget',
  'rsync',
  'docker',
] as const;
export type RuleName = (typeof RULE_NAMES)[number];

/** Commands with a sub-command table the config can extend. */
export const SUBCOMMAND_TOOLS = ['git', 'npm', 'pnpm', 'yarn', 'bun', 'docker'] as const;
export type SubcommandTool = (typeof SUBCOMMAND_TOOLS)[number];

export interface SubcommandTable {
  /** Sub-commands that may run (their options are still checked by the tool's rule). */
  allow: string[];
  /** Sub-commands refused, with why; anything in neither list is refused as unknown. */
  deny: Record<string, string>;
}

export interface Policy {
  /** Allowed command names → the rule that checks their arguments. */
  commands: Record<string, RuleName>;
  /** Refused command names → why (told to the agent). */
  deniedCommands: Record<string, string>;
  subcommands: Record<SubcommandTool, SubcommandTable>;
  /** Hosts curl and wget may reach: exact names or `*.example.com`; loopback is always allowed. */
  allowHosts: string[];
  /** Packages npx, `npm exec`, `pnpm dlx`, `yarn dlx` and bunx may run (besides those in node_modules/.bin). */
  allowPackages: string[];
  /** Packages never run that way, even when installed, with why. */
  deniedPackages: Record<string, string>;
  /** Environment variables a command may not be given (they change what programs run). */
  deniedEnv: string[];
  /** Keys `git -c key=value` may set; every other override is refused. */
  gitConfigKeys: string[];
  /** Whether `node -e`, `python3 -c` and other inline programs may run. */
  allowInlineCode: boolean;
}

/** Never allowed, whatever the config says: they run code the policy cannot see. */
export const ALWAYS_DENIED: Readonly<Record<string, string>> = {
  eval: '`eval` runs a string as shell code the policy cannot check: write the command out directly',
  source:
    "`source` runs a file in the current shell without checks: run a script with `bash FILE`; for a .env file use `node --env-file=.env …` or the framework's own loading",
  '.': '`.` (source) runs a file in the current shell without checks: run it as a script (`bash script.sh`)',
  exec: '`exec` replaces or rewires the shell itself: run the command directly',
};

const COMMAND_NAME = /^[A-Za-z0-9_.+@:-][A-Za-z0-9_.+@:/-]*$/;
const HOST = /^(\*\.)?[A-Za-z0-9._-]+$|^\[[0-9a-fA-F:]+\]$/;
const PACKAGE = /^(@[a-z0-9._~-]+\/)?[a-z0-9._~-]+$/i;

const commandList = z
  .array(
    z
      .string()
      .regex(COMMAND_NAME, 'a command name (no spaces or paths), e.g. "make"')
      .refine((name) => !name.includes('/'), 'a command name, not a path'),
  )
  .describe('Command names');

const subcommandConfig = z
  .strictObject({
    allow: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/))
      .optional()
      .describe('Sub-commands to allow'),
    deny: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/))
      .optional()
      .describe('Sub-commands to refuse'),
  })
  .describe('Extra sub-commands to allow or refuse for this tool');

/** The `policy` section of `claude-harness.json`. Every key is optional; lists add to the defaults. */
export const policyConfigSchema = z
  .strictObject({
    allowCommands: commandList
      .refine((names) => names.every((name) => !(name in ALWAYS_DENIED)), {
        message: `${Object.keys(ALWAYS_DENIED).join(', ')} can never be allowed: they run code the policy cannot check`,
      })
      .optional()
      .describe(
        'Extra commands the agent may run, arguments unchecked (redirections and protected paths still are); also lifts a default refusal such as "ssh"',
      ),
    denyCommands: commandList.optional().describe('Commands to refuse even though the defaults allow them'),
    allowHosts: z
      .array(z.string().regex(HOST, 'a host name, "*.example.com" or "[::1]"'))
      .optional()
      .describe('Hosts curl and wget may reach besides localhost, e.g. "api.example.com" or "*.example.com"'),
    allowPackages: z
      .array(z.string().regex(PACKAGE, 'an npm package name, e.g. "vitest" or "@scope/tool"'))
      .optional()
      .describe('Extra packages npx, npm exec, pnpm dlx, yarn dlx and bunx may run'),
    denyPackages: z
      .array(z.string().regex(PACKAGE, 'an npm package name'))
      .optional()
      .describe('Packages never run through npx and friends, even when installed'),
    allowInlineCode: z
      .boolean()
      .optional()
      .describe(
        'Allow inline programs such as node -e and python3 -c (default false: put the code in a file)',
      ),
    subcommands: z
      .strictObject({
        git: subcommandConfig.optional(),
        npm: subcommandConfig.optional(),
        pnpm: subcommandConfig.optional(),
        yarn: subcommandConfig.optional(),
        bun: subcommandConfig.optional(),
        docker: subcommandConfig.optional(),
      })
      .optional()
      .describe('Sub-commands to allow or refuse for git, npm, pnpm, yarn, bun and docker'),
  })
  .meta({
    title: 'claude-harness command policy',
    description:
      'Extends the default shell command policy. Refusals win: a command in both allowCommands and denyCommands is refused.',
  });

export type PolicyConfig = z.infer<typeof policyConfigSchema>;

const BY_CONFIG = 'refused by the project policy (the `policy` section of claude-harness.json)';

/** The defaults with a project's additions; pure, the inputs are not changed. */
export function mergePolicy(defaults: Policy, config: PolicyConfig | undefined): Policy {
  const policy = clonePolicy(defaults);
  if (config === undefined) return policy;
  for (const name of config.allowCommands ?? []) {
    if (name in ALWAYS_DENIED) continue;
    delete policy.deniedCommands[name];
    policy.commands[name] ??= 'plain';
  }
  for (const name of config.denyCommands ?? []) {
    delete policy.commands[name];
    policy.deniedCommands[name] = BY_CONFIG;
  }
  addUnique(policy.allowHosts, config.allowHosts);
  for (const name of config.allowPackages ?? []) {
    delete policy.deniedPackages[name];
    if (!policy.allowPackages.includes(name)) policy.allowPackages.push(name);
  }
  for (const name of config.denyPackages ?? []) {
    policy.allowPackages = policy.allowPackages.filter((candidate) => candidate !== name);
    policy.deniedPackages[name] = BY_CONFIG;
  }
  if (config.allowInlineCode !== undefined) policy.allowInlineCode = config.allowInlineCode;
  for (const tool of SUBCOMMAND_TOOLS) {
    const change = config.subcommands?.[tool];
    if (change === undefined) continue;
    const table = policy.subcommands[tool];
    for (const name of change.allow ?? []) {
      delete table.deny[name];
      if (!table.allow.includes(name)) table.allow.push(name);
    }
    for (const name of change.deny ?? []) {
      table.allow = table.allow.filter((candidate) => candidate !== name);
      table.deny[name] = BY_CONFIG;
    }
  }
  return policy;
}

/** The merged policy as users read it: pretty JSON, keys sorted within each table. */
export function formatPolicy(policy: Policy): string {
  const sorted = <T>(record: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  const view = {
    commands: sorted(policy.commands),
    deniedCommands: sorted({ ...policy.deniedCommands, ...ALWAYS_DENIED }),
    subcommands: Object.fromEntries(
      SUBCOMMAND_TOOLS.map((tool) => [
        tool,
        { allow: [...policy.subcommands[tool].allow].sort(), deny: sorted(policy.subcommands[tool].deny) },
      ]),
    ),
    allowHosts: policy.allowHosts,
    allowPackages: [...policy.allowPackages].sort(),
    deniedPackages: sorted(policy.deniedPackages),
    deniedEnv: policy.deniedEnv,
    gitConfigKeys: policy.gitConfigKeys,
    allowInlineCode: policy.allowInlineCode,
  };
  return `${JSON.stringify(view, null, 2)}\n`;
}

function clonePolicy(policy: Policy): Policy {
  return {
    commands: { ...policy.commands },
    deniedCommands: { ...policy.deniedCommands },
    subcommands: Object.fromEntries(
      SUBCOMMAND_TOOLS.map((tool) => [
        tool,
        { allow: [...policy.subcommands[tool].allow], deny: { ...policy.subcommands[tool].deny } },
      ]),
    ) as Record<SubcommandTool, SubcommandTable>,
    allowHosts: [...policy.allowHosts],
    allowPackages: [...policy.allowPackages],
    deniedPackages: { ...policy.deniedPackages },
    deniedEnv: [...policy.deniedEnv],
    gitConfigKeys: [...policy.gitConfigKeys],
    allowInlineCode: policy.allowInlineCode,
  };
}

function addUnique(target: string[], values: readonly string[] | undefined): void {
  for (const value of values ?? []) if (!target.includes(value)) target.push(value);
}
