/**
 * Regression checks: at the start of a coding session, re-run the recorded test commands of a sample of
 * the features that pass (all of them in `--mode validation`). Each is verified exactly like a
 * `feature_pass` (command, files, run), one after another. The caller flips the failures back to failing,
 * records a regression event for each, and tells the agent in the prompt.
 */
import { proofDir } from './browser.js';
import type { Proof } from './proof.js';
import type { TestRun } from './run-tests.js';
import { verifyTestCommand } from './verify.js';

export interface RegressionOptions {
  projectDir: string;
  /** The latest proofs of the features that currently pass. */
  proofs: readonly Proof[];
  /** How many to re-run (a random sample), or all of them. */
  sample: number | 'all';
  /** Per command. */
  timeoutMs: number;
  /** In [0, 1), like Math.random (the default); tests pass a fixed one. */
  random?: () => number;
  signal?: AbortSignal;
  env?: Record<string, string | undefined>;
  /** Confinement for each test run (see RunTestOptions.wrapArgv). */
  wrapArgv?: (argv: readonly string[]) => string[];
}

export interface RegressionResult {
  featureId: string;
  command: string;
  ok: boolean;
  /** Why it no longer passes. */
  reason?: string;
  /** Undefined when it was refused before running (the command or the test files no longer qualify). */
  run: TestRun | undefined;
}

export async function runRegressionChecks(options: RegressionOptions): Promise<RegressionResult[]> {
  const chosen = pickSample(options.proofs, options.sample, options.random ?? Math.random);
  const results: RegressionResult[] = [];
  for (const proof of chosen) {
    if (options.signal?.aborted) break;
    const verification = await verifyTestCommand({
      command: proof.command,
      projectDir: options.projectDir,
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.wrapArgv ? { wrapArgv: options.wrapArgv } : {}),
      artifactsDir: proofDir(options.projectDir, proof.featureId, 'regression'),
    });
    // A check cut short by the caller says nothing about the feature.
    if (verification.run?.aborted) break;
    results.push(
      verification.ok
        ? { featureId: proof.featureId, command: proof.command, ok: true, run: verification.run }
        : {
            featureId: proof.featureId,
            command: proof.command,
            ok: false,
            reason: verification.reason,
            run: verification.run,
          },
    );
  }
  return results;
}

/** A uniform random sample (partial Fisher–Yates), in the proofs' order. */
export function pickSample<T>(items: readonly T[], sample: number | 'all', random: () => number): T[] {
  if (sample === 'all' || sample >= items.length) return [...items];
  const size = Math.max(0, Math.floor(sample));
  const indexes = items.map((_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (indexes.length - i));
    [indexes[i], indexes[j]] = [indexes[j] as number, indexes[i] as number];
  }
  return indexes
    .slice(0, size)
    .sort((a, b) => a - b)
    .map((i) => items[i] as T);
}
