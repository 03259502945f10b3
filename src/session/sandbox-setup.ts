import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxSettings } from '@anthropic-ai/claude-agent-sdk';
import type { CommandIO } from '../cli/io.js';
import type { RunConfig } from '../config/types.js';
import type { Env } from '../engine/env.js';
import { UsageError } from '../errors/index.js';
import { chooseSandbox } from './sandbox.js';
import { probeSandbox } from './sandbox-probe.js';

export interface PreparedSandbox {
  settings: SandboxSettings | undefined;
  description: string;
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
): Promise<PreparedSandbox> {
  if (!config.sandbox) {
    return {
      settings: undefined,
      description: 'off (--no-sandbox): the agent’s shell is not confined by the OS',
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
      signal: io.signal,
      ...(engineEnv ? { envOverrides: engineEnv } : {}),
    });
    if (!probe.ok) {
      throw new UsageError(`the OS sandbox does not confine the agent: ${probe.reason}. Fix: ${probe.fix}.`);
    }
    return { settings: choice.settings, description: `on (bubblewrap; verified in ${probe.durationMs} ms)` };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
