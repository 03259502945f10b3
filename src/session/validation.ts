/**
 * `--mode validation`: no agent at all. Re-runs the recorded test of every passing feature; a feature whose
 * proof no longer holds goes back to failing. Exit 0 when every one still passes, 1 otherwise.
 */
import { realpath } from 'node:fs/promises';
import type { CommandIO } from '../cli/io.js';
import type { RunConfig } from '../config/types.js';
import { ExitCode, UsageError } from '../errors/index.js';
import { readOwnedList, writeOwnedList } from '../ledger/owned-list.js';
import { createProgressView } from '../report/live-view.js';
import { createRedactor, type Redactor, redactEvents } from '../report/redact.js';
import { openEventLog } from '../state/events.js';
import { reportIntegrityTo } from '../state/integrity.js';
import { acquireRunLock } from '../state/lock.js';
import { latestProofs } from '../verify/proof.js';
import { runRegressionChecks } from '../verify/regression.js';
import { recordRegression, testConfinement } from './verification.js';

export async function runValidation(config: RunConfig, rawIo: CommandIO): Promise<number> {
  // Commands and test output are the agent's: redacted and cleaned for the terminal, as in a run.
  const redact = createRedactor({ env: rawIo.env });
  const { io } = createProgressView({ io: rawIo, live: false, redact });
  const projectDir = await realpath(config.projectDir);
  const stopIntegrity = reportIntegrityTo(openEventLog(projectDir), (line) => io.out.write(line));
  try {
    return await validate(config, io, projectDir, redact);
  } finally {
    stopIntegrity();
  }
}

async function validate(
  config: RunConfig,
  io: CommandIO,
  projectDir: string,
  redact: Redactor,
): Promise<number> {
  const owned = await readOwnedList(projectDir);
  if (owned === undefined) {
    throw new UsageError(
      `--mode validation needs a project the harness has planned: ${config.projectDir} has no harness feature list yet. Run it in greenfield or enhancement mode first.`,
    );
  }
  const lock = await acquireRunLock(projectDir);
  try {
    const events = redactEvents(openEventLog(projectDir), redact);
    const passing = new Set(owned.filter((f) => f.passes).map((f) => f.id));
    const proofs = (await latestProofs(projectDir)).filter((p) => passing.has(p.featureId));
    const unproven = [...passing].filter((id) => !proofs.some((p) => p.featureId === id));
    io.out.write(
      `Validating ${proofs.length} passing feature${proofs.length === 1 ? '' : 's'} by re-running their recorded tests…\n`,
    );
    const results = await runRegressionChecks({
      projectDir,
      proofs,
      sample: 'all',
      timeoutMs: config.testTimeoutMs,
      signal: io.signal,
      ...testConfinement(config, projectDir, io.env),
    });
    for (const result of results) {
      io.out.write(`  ${result.ok ? '✓' : '✗'} ${result.featureId}  ${result.command}\n`);
      if (result.ok) continue;
      recordRegression(events, result, [owned]);
      io.out.write(`      ${(result.reason ?? '').split('\n')[0]}\n`);
    }
    for (const id of unproven) io.out.write(`  ? ${id}  passes, but has no recorded test to re-run\n`);
    const failed = results.filter((r) => !r.ok).length;
    if (failed > 0) await writeOwnedList(projectDir, owned);
    io.out.write(
      failed === 0
        ? `All ${results.length} still pass.\n`
        : `${failed} of ${results.length} no longer pass and are marked failing again; a normal run will work on them.\n`,
    );
    return failed === 0 ? ExitCode.ok : ExitCode.failure;
  } finally {
    await lock.release();
  }
}
