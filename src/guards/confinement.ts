/**
 * What any process the agent starts may see and change, declared once. Two sandboxes apply it: the SDK's OS
 * sandbox around the agent's Bash (src/session/sandbox.ts turns it into `SandboxSettings`) and the
 * bubblewrap the harness puts around the tests it runs for the agent (src/verify/confine.ts turns it into
 * bwrap arguments). The start-up probe checks the first; tests check both.
 *
 * - Reads: the project, the system's toolchain folders, the temp folder and the project's package cache; not
 *   the user's home (keys, tokens, other projects), not other roots (/var, /srv, /mnt, /work…), not the
 *   account files of /etc.
 * - Writes: the project, the temp folder and the package cache; never the harness's own records
 *   (`.claude-harness/`) or its config file.
 * - Environment: no credential (model keys, tracker and cloud tokens, anything secret-named) reaches a
 *   process the agent starts.
 */
import { createHash } from 'node:crypto';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { CONFIG_FILE_NAME } from '../config/types.js';
import type { Env } from '../engine/env.js';
import { HARNESS_DIR } from '../state/paths.js';
import { isInside } from './paths.js';

/** System folders a toolchain may live in or read from; the ones that do not exist are skipped by bwrap. */
export const SYSTEM_READ_ROOTS: readonly string[] = [
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/etc',
  '/opt',
  '/nix',
  '/snap',
  '/dev',
  '/proc',
  '/sys',
];

/**
 * Files inside the readable roots that say who the users are or hold host secrets (the shell policy refuses
 * naming them too: SECRET_FILES in src/guards/shell/reads.ts).
 */
export const HIDDEN_SYSTEM_FILES: readonly string[] = [
  '/etc/passwd',
  '/etc/shadow',
  '/etc/gshadow',
  '/etc/group',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/etc/security/opasswd',
  '/etc/environment',
  '/etc/ssh',
  '/etc/ssl/private',
  '/etc/krb5.keytab',
  '/etc/docker',
  '/etc/containerd',
  '/etc/kubernetes',
  '/etc/netrc',
];

/**
 * Credentials by name. A variable whose name looks secret (see `isCredentialName`) is hidden too; these are the
 * ones whose names do not say so, or that must never be missed.
 */
export const CREDENTIAL_VARIABLES: readonly string[] = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_CODE_OAUTH_TOKEN',
  'ANTHROPIC_FOUNDRY_API_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_BEARER_TOKEN_BEDROCK',
  'AWS_PROFILE',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'LINEAR_API_KEY',
  'AZURE_DEVOPS_EXT_PAT',
  'AZURE_DEVOPS_TOKEN',
  'AZURE_DEVOPS_PAT',
  'NPM_TOKEN',
  'NODE_AUTH_TOKEN',
];

const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|PAT$/i;
/** Names that match SECRET_NAME but hold no secret, or that the CLI needs inside its own sandbox. */
const NOT_SECRET_NAME =
  /AUTHOR|^SSH_AUTH_SOCK$|^CLAUDE_CODE_(?!OAUTH_TOKEN)|^CLAUDE_AGENT_SDK_|KEYMAP|KEYBOARD/i;

/**
 * A variable name that says it holds a credential. Not the redactor's SECRET_NAME (src/report/redact.ts): that
 * one hides values in output, so it also takes SESSION names and exempts nothing; this one decides what the
 * agent's processes may not see, so it spares the variables Claude Code needs inside its own sandbox.
 */
function isCredentialName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET_NAME.test(name);
}

/** The credential variables present in `env`, sorted: what no process of the agent may see. */
export function credentialNames(env: Env | NodeJS.ProcessEnv): string[] {
  const names = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    if (CREDENTIAL_VARIABLES.includes(name) || isCredentialName(name)) names.add(name);
  }
  return [...names].sort();
}

/** A copy of `env` without any credential. */
export function withoutCredentials(env: Env | NodeJS.ProcessEnv): Env {
  const hidden = new Set(credentialNames(env));
  const copy: Env = {};
  for (const [name, value] of Object.entries(env)) if (!hidden.has(name)) copy[name] = value;
  return copy;
}

/**
 * The `confinement` section of `claude-harness.json`: what the user lets the agent's processes see beyond the
 * defaults. Only the user edits this file (the agent can write it neither with its tools nor its shell).
 *
 * ```json
 * "confinement": { "allowRead": ["/opt/android-sdk", "~/.gradle"] }
 * ```
 */
export const sandboxConfigSchema = z
  .strictObject({
    allowRead: z
      .array(
        z.string().superRefine((value, ctx) => {
          if (value.replace(/\/+$/, '') === '~' || value === '/' || /^\/+$/.test(value)) {
            ctx.addIssue({
              code: 'custom',
              message: '`allowRead` cannot open the whole file system or the whole home folder',
            });
          } else if (!isAbsolute(value) && !value.startsWith('~/')) {
            ctx.addIssue({
              code: 'custom',
              message: 'each `allowRead` path must be absolute or start with ~/',
            });
          }
        }),
      )
      .optional()
      .describe(
        'Folders or files outside the project that the agent’s shell and the tests it writes may read (a toolchain or SDK the defaults do not cover). Absolute, or starting with ~/.',
      ),
  })
  .describe(
    'What the agent’s processes may see besides the project, the system toolchains and the temp folder.',
  );

export type SandboxConfig = z.infer<typeof sandboxConfigSchema>;

export interface Confinement {
  projectDir: string;
  /** The user's home: hidden, and an empty one in its place for the test runs. */
  home: string;
  /** Folders (and files) the agent's processes may read; everything else is hidden. */
  readable: string[];
  /** Inside `readable`, hidden all the same. */
  hidden: string[];
  /** Folders the agent's processes may write: the project, the temp folders, the package cache. */
  writable: string[];
  /** Inside `writable`, read-only all the same: the harness's records and config. */
  readOnly: string[];
  /** The project's package caches (npm, pip, yarn), outside the project so they survive `git clean`. */
  cacheDir: string;
  /**
   * The global git config the agent's git reads (`GIT_CONFIG_GLOBAL`), readable and not writable: the home's
   * own `.gitconfig` is hidden, so the harness copies the user's identity here (see sandbox-setup.ts).
   */
  gitConfigFile: string;
  /** Variables set for the agent's processes: where the package managers keep their caches. */
  env: Record<string, string>;
  /** Credential variables to hide from every process the agent starts. */
  credentials: string[];
}

export interface ConfinementInput {
  /** The project folder, absolute and with symlinks resolved. */
  projectDir: string;
  env: Env | NodeJS.ProcessEnv;
  /** Defaults: `os.homedir()`, `os.tmpdir()`, `process.execPath`. */
  home?: string;
  tmp?: string;
  execPath?: string;
  /** The config file's `confinement` section. */
  config?: SandboxConfig | undefined;
}

export function confinementFor(input: ConfinementInput): Confinement {
  const home = resolve(input.home ?? homedir());
  const tmp = resolve(input.tmp ?? tmpdir());
  const projectDir = resolve(input.projectDir);
  const projectHome = projectCacheDir(projectDir, input.env, home);
  const cacheDir = join(projectHome, 'cache');
  const gitConfigFile = join(projectHome, 'gitconfig');
  const temps = unique([tmp, '/tmp']);
  const toolchains = toolchainDirs(input.env.PATH ?? '', input.execPath ?? process.execPath, home).filter(
    // A folder that holds the project would show its neighbours.
    (dir) => !isInside(projectDir, dir),
  );
  const allowed = (input.config?.allowRead ?? []).map((path) =>
    path.startsWith('~/') ? join(home, path.slice(2)) : resolve(path),
  );
  return {
    projectDir,
    home,
    readable: unique([
      ...SYSTEM_READ_ROOTS,
      ...toolchains,
      ...allowed,
      ...temps,
      cacheDir,
      gitConfigFile,
      projectDir,
    ]),
    hidden: [...HIDDEN_SYSTEM_FILES, ...claudeConfigDir(input.env, projectDir)],
    writable: unique([projectDir, ...temps, cacheDir]),
    readOnly: [join(projectDir, HARNESS_DIR), join(projectDir, CONFIG_FILE_NAME)],
    cacheDir,
    gitConfigFile,
    env: {
      npm_config_cache: join(cacheDir, 'npm'),
      YARN_CACHE_FOLDER: join(cacheDir, 'yarn'),
      PIP_CACHE_DIR: join(cacheDir, 'pip'),
      GIT_CONFIG_GLOBAL: gitConfigFile,
    },
    credentials: credentialNames(input.env),
  };
}

/**
 * `<cache>/claude-harness/projects/<hash of the project path>`: per project, outside it (the agent cannot
 * plant anything there that the harness reads) and outside the hidden home's other files.
 */
export function projectCacheDir(projectDir: string, env: Env | NodeJS.ProcessEnv, home: string): string {
  const base =
    env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(home, '.cache');
  const key = createHash('sha256').update(projectDir).digest('hex').slice(0, 16);
  return join(base, 'claude-harness', 'projects', `${basename(projectDir).replace(/[^\w.-]/g, '_')}-${key}`);
}

/**
 * Where the user's toolchains live when they are not in a system folder: the Node.js that runs the harness
 * (nvm, volta, fnm…) and each PATH folder under the home (a `bin` or `shims` folder stands for its parent,
 * e.g. ~/.pyenv or ~/.cargo). The home itself and `/` are never made readable.
 */
export function toolchainDirs(path: string, execPath: string, home: string): string[] {
  const dirs: string[] = [];
  const add = (dir: string) => {
    const clean = resolve(dir);
    if (clean === '/' || clean === home || isInside(home, clean)) return;
    if (SYSTEM_READ_ROOTS.some((root) => isInside(clean, root))) return;
    dirs.push(clean);
  };
  add(dirname(dirname(resolve(execPath))));
  for (const entry of path.split(':')) {
    if (!isAbsolute(entry)) continue;
    const name = basename(entry);
    add(name === 'bin' || name === 'shims' ? dirname(entry) : entry);
  }
  return unique(dirs);
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/**
 * Claude Code's own folder when `CLAUDE_CONFIG_DIR` moves it out of the (hidden) home: it holds the `claude
 * /login` credentials file and every session's transcript, so it is hidden wherever it is. Not when it would
 * hide the project.
 */
function claudeConfigDir(env: Env | NodeJS.ProcessEnv, projectDir: string): string[] {
  const dir = env.CLAUDE_CONFIG_DIR;
  if (dir === undefined || dir.trim() === '' || !isAbsolute(dir)) return [];
  const clean = resolve(dir);
  return isInside(projectDir, clean) ? [] : [clean];
}
