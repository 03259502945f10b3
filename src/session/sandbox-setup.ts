import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxSettings } from '@anthropic-ai/claude-agent-sdk';
import type { CommandIO } from '../cli/io.js';
import type { RunConfig } from '../config/types.js';
import type { Env } from '../engine/env.js';
import { UsageError } from '../errors/index.js';
import { confinementFor } from '../guards/confinement.js';
import { HARNESS_IDENTITY } from '../vcs/git.js';
import { readGlobalConfig } from '../vcs/run-git.js';
import { chooseSandbox, confinedSandboxSettings } from './sandbox.js';
import { probeSandbox } from './sandbox-probe.js';

export interface PreparedSandbox {
  /** The settings for the run's sessions; before `bindSandboxToProject`, not yet bound to a project. */
  settings: SandboxSettings | undefined;
  description: string;
  /** Variables for the CLI (the project's package caches, the agent's git identity); empty without the sandbox. */
  env: Env;
}

/**
 * Sessions run in the SDK's OS sandbox unless the user says `--no-sandbox`. Before the first session the
 * harness proves that it confines (a probe write outside the project must fail); when it cannot, the run
 * stops and says what to install — an unconfined shell is only ever the user's explicit choice.
 */
export async function prepareSandbox(
  config: RunConfig,
  io: CommandIO,
  baseEnv: Env,
  engineEnv: Env | undefined,
  /** Why the sandbox is off when the caller, not the user, turned it off (the demo without bubblewrap). */
  offReason?: string,
): Promise<PreparedSandbox> {
  if (!config.sandbox) {
    return {
      settings: undefined,
      description: `off (${offReason ?? '--no-sandbox'}): the agent’s shell is not confined by the OS`,
      env: {},
    };
  }
  const choice = chooseSandbox(io.env);
  if (choice.settings === undefined) {
    throw new UsageError(
      `the OS sandbox is not available: ${choice.description}. Install it, or run with --no-sandbox to accept an unconfined shell.`,
    );
  }
  // Probe in a scratch folder: nothing is written to the project before the run is known to be able to start.
  const scratch = await mkdtemp(join(tmpdir(), 'claude-harness-probe-project-'));
  try {
    const probe = await probeSandbox({
      projectDir: scratch,
      env: baseEnv,
      sandbox: choice.settings,
      sandboxConfig: config.confinement,
      signal: io.signal,
      ...(engineEnv ? { envOverrides: engineEnv } : {}),
    });
    if (!probe.ok) {
      throw new UsageError(`the OS sandbox does not confine the agent: ${probe.reason}. Fix: ${probe.fix}.`);
    }
    return {
      settings: choice.settings,
      description: `on (bubblewrap; verified in ${probe.durationMs} ms: ${probe.checks.join(', ')})`,
      env: {},
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The prepared sandbox bound to the project: the agent's Bash reads only the project, the toolchains, the
 * temp folder and the project's package cache (made here), writes none of the harness's records, and sees
 * none of the credentials of `cliEnv` (the CLI's whole environment).
 */
export async function bindSandboxToProject(
  prepared: PreparedSandbox,
  projectDir: string,
  cliEnv: Env,
  config: RunConfig,
): Promise<PreparedSandbox> {
  if (prepared.settings === undefined) return prepared;
  const confinement = confinementFor({ projectDir, env: cliEnv, config: config.confinement });
  await Promise.all(
    [confinement.env.npm_config_cache, confinement.env.YARN_CACHE_FOLDER, confinement.env.PIP_CACHE_DIR].map(
      (dir) => mkdir(dir as string, { recursive: true }),
    ),
  );
  // The agent's own commits need an author, and the home's .gitconfig is hidden from its shell.
  await writeFile(confinement.gitConfigFile, gitIdentityConfig(await globalGitIdentity(cliEnv, projectDir)));
  return {
    settings: confinedSandboxSettings(prepared.settings, confinement),
    description: prepared.description,
    env: confinement.env,
  };
}

/** `user.name` and `user.email` of the user's global git config, each undefined when unset. */
async function globalGitIdentity(env: Env, projectDir: string): Promise<{ name?: string; email?: string }> {
  const get = (key: string) => readGlobalConfig(key, { env, project: projectDir });
  const [name, email] = await Promise.all([get('user.name'), get('user.email')]);
  return { ...(name ? { name } : {}), ...(email ? { email } : {}) };
}

/** A gitconfig with only an identity: the user's, else the harness's. Values are quoted for git. */
export function gitIdentityConfig(identity: { name?: string; email?: string }): string {
  const quote = (value: string) => `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')}"`;
  return [
    '# Written by claude-harness: the identity of the agent’s commits (the home’s .gitconfig is hidden from it).',
    '[user]',
    `\tname = ${quote(identity.name ?? HARNESS_IDENTITY.name)}`,
    `\temail = ${quote(identity.email ?? HARNESS_IDENTITY.email)}`,
    '',
  ].join('\n');
}
