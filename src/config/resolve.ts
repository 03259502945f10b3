/**
 * Turns the run flags into a `RunConfig`: flags over `claude-harness.json` over the defaults. Everything is
 * checked here, before the run writes anything, and every problem found is reported at once, one line each.
 */
import type { Stats } from 'node:fs';
import { lstat, readFile, readlink, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, UsageError } from '../errors/index.js';
import { durationMs } from './duration.js';
import { readProjectConfig } from './load.js';
import { type ProjectConfig, parseFlagValue } from './schema.js';
import { RUN_SETTINGS, type RunFlags, type RunSetting, runSettings, takesNoValue } from './settings.js';
import { CONFIG_FILE_NAME, DEFAULTS, MODES, type Mode, type RunConfig, type Verbosity } from './types.js';
import { closestMatch, describeSettingValue, expectation } from './values.js';

export interface ResolveRunConfigInput {
  /** The flags as typed (strings); absent keys were not given. */
  flags: RunFlags;
  /** The directory relative flags are resolved against. */
  cwd: string;
  /** The process environment. No setting is read from it today; taken so callers pass one environment. */
  env?: NodeJS.ProcessEnv;
}

/** Modes that change an existing project, so its folder must already exist. */
const NEEDS_EXISTING_PROJECT: readonly Mode[] = ['enhancement', 'bugfix', 'validation'];
/** Modes that work from a spec. Backlog reads its work from the tracker, validation from the project. */
const NEEDS_SPEC: readonly Mode[] = ['greenfield', 'enhancement', 'bugfix'];

export const PROJECT_DIR_REQUIRED =
  '--project-dir is required: the folder where the harness builds or extends your project';

type Problem = { kind: 'usage' | 'config'; message: string };

/** Resolves and checks the run settings; throws one `UsageError` or `ConfigError` listing every problem. */
export async function resolveRunConfig(input: ResolveRunConfigInput): Promise<RunConfig> {
  const { flags, cwd } = input;
  const problems: Problem[] = [];
  const usage = (message: string) => problems.push({ kind: 'usage', message });
  const config = (message: string) => problems.push({ kind: 'config', message });

  const given = checkFlags(flags, usage);
  if (given.quiet === true && given.verbose === true) {
    usage(
      '--quiet and --verbose cannot be used together: pass one of them, or neither for the normal output',
    );
  }

  let projectDir: string | undefined;
  let projectExists = false;
  if (flags.projectDir === undefined) {
    usage(PROJECT_DIR_REQUIRED);
  } else if (typeof given.projectDir === 'string') {
    projectDir = resolve(cwd, given.projectDir);
    const found = await inspectProjectDir(projectDir);
    if (found.problem) usage(found.problem);
    projectExists = found.exists;
  }

  let file: ProjectConfig = {};
  let configFile: string | undefined;
  let fileValid = true;
  if (projectDir !== undefined && projectExists) {
    const result = await readProjectConfig(projectDir);
    if (result.status === 'invalid') {
      result.problems.forEach(config);
      fileValid = false;
    }
    if (result.status === 'ok') {
      file = result.config;
      configFile = result.path;
    }
  }

  // When the mode is unknown (a bad --mode, or a config file that could not be read) the problems are
  // already reported; the checks that depend on the mode would only add noise.
  const modeKnown = given.mode !== undefined || (flags.mode === undefined && fileValid);
  const mode = (given.mode as Mode | undefined) ?? file.mode ?? DEFAULTS.mode;

  if (modeKnown && projectDir !== undefined && !projectExists && NEEDS_EXISTING_PROJECT.includes(mode)) {
    const exists = await pathExists(projectDir);
    if (!exists) {
      usage(
        `--project-dir ${projectDir} does not exist: ${mode} mode works on an existing project; check the path, or use --mode greenfield to start a new one`,
      );
    }
  }

  let specPath: string | undefined;
  if (flags.spec !== undefined) {
    if (typeof given.spec === 'string') {
      specPath = resolve(cwd, given.spec);
      const problem = await inspectSpec(specPath, {
        name: '--spec',
        relativeHint: isAbsolute(given.spec) ? '' : ` (--spec "${given.spec}" is relative to ${cwd})`,
      });
      if (problem) config(problem);
    }
  } else if (file.spec !== undefined && projectDir !== undefined) {
    specPath = resolve(projectDir, file.spec);
    const name = `"spec" in ${configFile ?? CONFIG_FILE_NAME}`;
    const problem = await inspectSpec(specPath, {
      name,
      relativeHint: isAbsolute(file.spec) ? '' : ` (${name} is relative to the project folder)`,
    });
    if (problem) config(problem);
  } else if (modeKnown && NEEDS_SPEC.includes(mode)) {
    usage(
      `--spec is required in ${mode} mode: pass the file that describes what to build or change (or set "spec" in ${CONFIG_FILE_NAME}); backlog and validation modes need none`,
    );
  }

  let promptsDir: string | undefined;
  if (flags.promptsDir !== undefined) {
    if (typeof given.promptsDir === 'string') {
      promptsDir = resolve(cwd, given.promptsDir);
      const problem = await inspectPromptsDir(promptsDir, {
        name: '--prompts-dir',
        relativeHint: isAbsolute(given.promptsDir)
          ? ''
          : ` (--prompts-dir "${given.promptsDir}" is relative to ${cwd})`,
      });
      if (problem) config(problem);
    }
  } else if (file.promptsDir !== undefined && projectDir !== undefined) {
    promptsDir = resolve(projectDir, file.promptsDir);
    const name = `"promptsDir" in ${configFile ?? CONFIG_FILE_NAME}`;
    const problem = await inspectPromptsDir(promptsDir, {
      name,
      relativeHint: isAbsolute(file.promptsDir) ? '' : ` (${name} is relative to the project folder)`,
    });
    if (problem) config(problem);
  }

  if (problems.length > 0) {
    const message = problems.map((problem) => problem.message).join('\n');
    throw problems.some((problem) => problem.kind === 'usage')
      ? new UsageError(message)
      : new ConfigError(message);
  }

  const duration = <F extends number | undefined>(
    setting: RunSetting,
    fromFile: number | string | undefined,
    fallback: F,
  ): number | F => {
    const value = (given[setting.key] as number | string | undefined) ?? fromFile;
    // Both sources were checked above, so the conversion cannot fail here.
    return value === undefined ? fallback : (durationMs(value, setting.bareUnit ?? 'm') ?? fallback);
  };
  const verbosity: Verbosity = given.quiet === true ? 'quiet' : given.verbose === true ? 'verbose' : 'normal';

  return {
    projectDir: projectDir as string,
    specPath,
    mode,
    maxIterations:
      (given.maxIterations as number | undefined) ?? file.maxIterations ?? DEFAULTS.maxIterations,
    maxDurationMs: duration(RUN_SETTINGS.maxDurationMs, file.maxDuration, DEFAULTS.maxDurationMs),
    maxBudgetUsd: (given.maxBudgetUsd as number | undefined) ?? file.maxBudgetUsd ?? DEFAULTS.maxBudgetUsd,
    maxSessionBudgetUsd:
      (given.maxSessionBudgetUsd as number | undefined) ??
      file.maxSessionBudgetUsd ??
      DEFAULTS.maxSessionBudgetUsd,
    model: (given.model as string | undefined) ?? file.model ?? DEFAULTS.model,
    sessionTimeoutMs: duration(RUN_SETTINGS.sessionTimeoutMs, file.sessionTimeout, DEFAULTS.sessionTimeoutMs),
    stallTimeoutMs: duration(RUN_SETTINGS.stallTimeoutMs, file.stallTimeout, DEFAULTS.stallTimeoutMs),
    firstResponseTimeoutMs: duration(
      RUN_SETTINGS.firstResponseTimeoutMs,
      file.firstResponseTimeout,
      DEFAULTS.firstResponseTimeoutMs,
    ),
    toolAllowanceMs: duration(RUN_SETTINGS.toolAllowanceMs, file.toolAllowance, DEFAULTS.toolAllowanceMs),
    testTimeoutMs: duration(RUN_SETTINGS.testTimeoutMs, file.testTimeout, DEFAULTS.testTimeoutMs),
    autoContinueDelayMs: duration(
      RUN_SETTINGS.autoContinueDelayMs,
      file.autoContinueDelay,
      DEFAULTS.autoContinueDelayMs,
    ),
    maxRetries: (given.maxRetries as number | undefined) ?? file.maxRetries ?? DEFAULTS.maxRetries,
    regressionSample:
      (given.regressionSample as number | undefined) ?? file.regressionSample ?? DEFAULTS.regressionSample,
    featureCount: (given.featureCount as number | undefined) ?? file.featureCount ?? DEFAULTS.featureCount,
    promptsDir,
    notifyUrl: (given.notifyUrl as string | undefined) ?? file.notifyUrl ?? DEFAULTS.notifyUrl,
    // A --no-x flag can only turn its setting off; the file may set it either way.
    waitOnUsageLimit: given.noWait === true ? false : (file.waitOnUsageLimit ?? DEFAULTS.waitOnUsageLimit),
    sandbox: given.noSandbox === true ? false : (file.sandbox ?? DEFAULTS.sandbox),
    json: given.json === true ? true : DEFAULTS.json,
    plain: given.plain === true ? true : DEFAULTS.plain,
    verbosity,
    secrets: file.secrets,
    policy: file.policy,
    confinement: file.confinement,
    configFile,
  };
}

/** Checks each given flag against its setting; returns the valid values by key. */
function checkFlags(
  flags: RunFlags,
  usage: (message: string) => void,
): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = {};
  for (const setting of runSettings()) {
    const raw = flags[setting.key as keyof RunFlags];
    if (raw === undefined) continue;
    if (typeof raw !== 'string' || takesNoValue(setting)) {
      // A flag without a value (`--no-wait`, `--json`): given means on.
      values[setting.key] = true;
      continue;
    }
    const checked = parseFlagValue(setting, raw);
    if (!checked.ok) {
      usage(
        `--${setting.flag} must be ${expectation(setting)}; got ${setting.kind === 'url' ? describeSettingValue(setting, raw) : JSON.stringify(raw)}${suggestion(setting, raw)}`,
      );
    } else if (setting.kind === 'path' && raw.startsWith('~')) {
      usage(
        `--${setting.flag} "${raw}" starts with ~, which only the shell expands: write the full path, or leave ~ unquoted`,
      );
    } else {
      values[setting.key] = checked.value;
    }
  }
  return values;
}

function suggestion(setting: RunSetting, raw: string): string {
  if (setting !== RUN_SETTINGS.mode) return '';
  const guess = closestMatch(raw, MODES);
  return guess ? ` (did you mean ${guess}?)` : '';
}

async function inspectProjectDir(dir: string): Promise<{ exists: boolean; problem?: string }> {
  let stats: Stats;
  try {
    stats = await stat(dir);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') {
      const link = await brokenLinkTarget(dir);
      return link === undefined
        ? { exists: false }
        : {
            exists: false,
            problem: `--project-dir ${dir} is a broken symbolic link (to ${link}): fix the link or pass the real folder`,
          };
    }
    if (code === 'ENOTDIR') {
      return {
        exists: false,
        problem: `--project-dir ${dir} cannot be a folder: part of that path is a file`,
      };
    }
    return { exists: false, problem: `cannot open --project-dir ${dir} (${code}): check its permissions` };
  }
  if (!stats.isDirectory()) {
    return {
      exists: false,
      problem: `--project-dir ${dir} is a file, not a folder: pass the project's folder (greenfield mode creates it when missing)`,
    };
  }
  return { exists: true };
}

/**
 * `stat` of a path the user named, or the one-line problem when there is nothing to stat: not found (with
 * the relative-path hint), a broken symbolic link, or no permission. `what` is e.g. "spec" or "prompts
 * folder"; `kind` the noun for the real target ("file", "folder").
 */
async function statNamed(
  path: string,
  what: string,
  kind: string,
  origin: { name: string; relativeHint: string },
): Promise<{ stats: Stats } | { problem: string }> {
  try {
    return { stats: await stat(path) };
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const link = await brokenLinkTarget(path);
      if (link !== undefined) {
        return {
          problem: `${what} ${path} is a broken symbolic link (to ${link}): fix the link or point ${origin.name} at the real ${kind}`,
        };
      }
      return {
        problem: `${what} ${kind === 'file' ? 'file ' : ''}not found: ${path}${origin.relativeHint}; check the path`,
      };
    }
    return {
      problem: `cannot ${kind === 'file' ? 'read' : 'open'} ${what} ${path} (${code}): check its permissions`,
    };
  }
}

/** Checks the spec can be read and says something; returns the problem, if any. */
async function inspectSpec(
  path: string,
  origin: { name: string; relativeHint: string },
): Promise<string | undefined> {
  const found = await statNamed(path, 'spec', 'file', origin);
  if ('problem' in found) return found.problem;
  if (found.stats.isDirectory()) {
    return `spec ${path} is a folder, not a file: point ${origin.name} at the spec file itself`;
  }
  if (!found.stats.isFile()) return `spec ${path} is not a regular file: point ${origin.name} at a text file`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return `cannot read spec ${path} (${errorCode(error)}): check its permissions`;
  }
  if (text.trim() === '') return `spec ${path} is empty: describe what to build in it, then run again`;
  return undefined;
}

/** Checks the prompts folder exists and is a folder; returns the problem, if any. */
async function inspectPromptsDir(
  path: string,
  origin: { name: string; relativeHint: string },
): Promise<string | undefined> {
  const found = await statNamed(path, 'prompts folder', 'folder', origin);
  if ('problem' in found) return found.problem;
  if (!found.stats.isDirectory()) {
    return `prompts folder ${path} is not a folder: point ${origin.name} at the folder that holds your initializer.md, initializer-retry.md or coding.md`;
  }
  return undefined;
}

/** The target of `path` when it is a symbolic link that points nowhere. */
async function brokenLinkTarget(path: string): Promise<string | undefined> {
  try {
    const stats = await lstat(path);
    return stats.isSymbolicLink() ? await readlink(path) : undefined;
  } catch {
    return undefined;
  }
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
