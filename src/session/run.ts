import { copyFile, mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandIO } from '../cli/io.js';
import { checkAuth } from '../config/auth.js';
import type { RunConfig } from '../config/types.js';
import type { Env } from '../engine/env.js';
import { runSession } from '../engine/session.js';
import { ExitCode, UsageError } from '../errors/index.js';
import { SessionLog } from '../report/session-log.js';
import { loadPrompt } from './prompts.js';
import { chooseSandbox } from './sandbox.js';

/** Number of features the initializer is asked for, as in the original. */
const DEFAULT_FEATURE_COUNT = 200;

export interface SessionJobOptions {
  /** Variables for the CLI child on top of the user's environment (the demo points it at the fake model). */
  engineEnv?: Env;
  /** Environment variables removed from the CLI child's environment. */
  unsetEnv?: readonly string[];
}

/** `claude-harness run`: validates the environment, prepares the project and runs the session. */
export async function runCommand(config: RunConfig, io: CommandIO): Promise<number> {
  checkAuth(io.env);
  return runSessionJob(config, io);
}

/**
 * Prepares the project directory and runs one initializer session in it. Shared by `run` and `demo`.
 * Returns the exit code: 0 when the session ended with a successful result.
 */
export async function runSessionJob(
  config: RunConfig,
  io: CommandIO,
  options: SessionJobOptions = {},
): Promise<number> {
  if (config.mode === 'backlog' || config.mode === 'validation') {
    throw new UsageError(
      `--mode ${config.mode} is not available in this version yet: use --mode greenfield, enhancement or bugfix.`,
    );
  }
  if (config.specPath === undefined) {
    throw new UsageError(`--spec is required in ${config.mode} mode: pass --spec path/to/app_spec.txt.`);
  }

  await mkdir(config.projectDir, { recursive: true });
  const projectSpec = join(config.projectDir, 'app_spec.txt');
  if ((await realpathOrSelf(config.specPath)) !== (await realpathOrSelf(projectSpec))) {
    await copyFile(config.specPath, projectSpec);
  }

  const sandbox = chooseSandbox(io.env);
  io.out.write(
    `claude-harness · project ${config.projectDir} · mode ${config.mode} · model ${config.model}\n`,
  );
  io.out.write(`sandbox: ${sandbox.description}\n`);

  const prompt = await loadPrompt('initializer', { featureCount: DEFAULT_FEATURE_COUNT });
  const baseEnv: Env = { ...io.env };
  for (const name of options.unsetEnv ?? []) delete baseEnv[name];

  const log = new SessionLog({
    out: io.out,
    projectDir: config.projectDir,
    label: 'session 1 (initializer)',
  });
  const sessionAbort = new AbortController();
  const onStop = () => sessionAbort.abort(io.signal.reason);
  io.signal.addEventListener('abort', onStop, { once: true });
  const timeoutMs = config.sessionTimeoutMinutes * 60_000;
  const timer = setTimeout(() => sessionAbort.abort(new Error('session timeout')), timeoutMs);
  timer.unref();

  let exitCode: number = ExitCode.failure;
  try {
    for await (const event of runSession({
      projectDir: config.projectDir,
      prompt,
      model: config.model,
      baseEnv,
      ...(options.engineEnv ? { env: options.engineEnv } : {}),
      ...(sandbox.settings ? { sandbox: sandbox.settings } : {}),
      signal: sessionAbort.signal,
    })) {
      log.write(event);
      if (event.type === 'result') exitCode = event.ok ? ExitCode.ok : ExitCode.failure;
      if (event.type === 'error') {
        if (io.signal.aborted) exitCode = ExitCode.interrupted;
        else if (sessionAbort.signal.aborted) {
          io.err.write(
            `claude-harness: the session hit the ${config.sessionTimeoutMinutes}-minute session timeout (--session-timeout).\n`,
          );
          exitCode = ExitCode.failure;
        } else exitCode = ExitCode.failure;
      }
    }
  } finally {
    clearTimeout(timer);
    io.signal.removeEventListener('abort', onStop);
  }
  if (exitCode === ExitCode.interrupted) {
    io.err.write(`Stopped. What the agent wrote so far is kept in ${config.projectDir}.\n`);
  }
  return exitCode;
}

async function realpathOrSelf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}
