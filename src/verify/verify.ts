/**
 * One verification, the same for `feature_pass` and for regression checks: the command must be an accepted
 * test-runner invocation, the files it runs must pass the static checks, and the harness's own run of it
 * must pass (exit 0, at least one test passed, none failed or skipped).
 */

import { judgeRun, type RunTestOptions, runTestCommand, type TestRun } from './run-tests.js';
import { checkTestCommand } from './test-command.js';
import { checkRunnerConfig, checkTestFiles, filesToRun } from './test-files.js';

/** What the harness's run needs; the command is checked here, so `checked` is not the caller's to give. */
export type VerifyOptions = Omit<RunTestOptions, 'checked'>;

export type VerifyStage = 'command' | 'files' | 'run';

export type Verification =
  | { ok: true; run: TestRun; files: string[] }
  | { ok: false; stage: VerifyStage; reason: string; run?: TestRun; files?: string[] };

export async function verifyTestCommand(options: VerifyOptions): Promise<Verification> {
  const checked = checkTestCommand(options.command, options.projectDir);
  if (!checked.ok) return { ok: false, stage: 'command', reason: checked.reason };
  const config = await checkRunnerConfig(options.projectDir, checked.runner);
  if (!config.ok) return { ok: false, stage: 'files', reason: config.reason };
  const files = await filesToRun(options.projectDir, checked);
  const fileCheck = await checkTestFiles(options.projectDir, files);
  if (!fileCheck.ok) return { ok: false, stage: 'files', reason: fileCheck.reason, files };
  const run = await runTestCommand({ ...options, checked });
  const verdict = judgeRun(run, options.timeoutMs);
  if (!verdict.ok) return { ok: false, stage: 'run', reason: verdict.reason, run, files };
  return { ok: true, run, files };
}
