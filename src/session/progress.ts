/**
 * What the loop tells people about the run as a whole: its figures (for the progress line and the live
 * view), the totals when the run ends, the waits between sessions, the line when it stops early, and the
 * word for a session's outcome.
 */
import type { CommandIO } from '../cli/io.js';
import type { RunConfig } from '../config/types.js';
import { ExitCode } from '../errors/index.js';
import { usdExact } from '../report/cost.js';
import type { RunFigures } from '../report/live-view.js';
import type { EndedOutcome, HarnessState } from '../state/schema.js';
import type { LoopContext } from './context.js';
import { abortableDelay } from './delay.js';

/** The run's figures: the planned features (none before the list exists) and the state's totals. */
export function runFigures(state: HarnessState, features: readonly { passes: boolean }[]): RunFigures {
  return {
    passing: features.filter((f) => f.passes).length,
    total: features.length,
    skipped: Object.values(state.features).filter((f) => f.skipped).length,
    tokens: state.totals.inputTokens + state.totals.outputTokens,
    costUsd: state.totals.costUsd,
  };
}

/** `Sessions: 4 · tokens 12,000 in / 3,456 out · cost $0.4200`, from `state` as last read. */
export function printTotals(io: CommandIO, state: HarnessState): void {
  const { totals } = state;
  io.out.write(
    `Sessions: ${totals.sessions} · tokens ${totals.inputTokens.toLocaleString('en-US')} in / ${totals.outputTokens.toLocaleString('en-US')} out · cost ${usdExact(totals.costUsd)}\n`,
  );
}

/** The run stops on Ctrl+C (or an interrupted wait): says how to go on, returns the exit code. */
export function stopped(io: CommandIO, config: RunConfig): number {
  io.err.write(
    `Stopped. Nothing is lost: run the same command again to continue (project ${config.projectDir}).\n`,
  );
  return ExitCode.interrupted;
}

export function outcomeWord(outcome: EndedOutcome): string {
  return {
    passed: 'passed',
    failed: 'not passing',
    aborted: 'aborted',
    timeout: 'timed out',
    'api-error': 'API error',
    interrupted: 'interrupted',
  }[outcome];
}

/** Waits (the live view says what for); undefined to go on, or the exit code when the user stopped it. */
export async function waitOrStop(ctx: LoopContext, ms: number, what: string): Promise<number | undefined> {
  ctx.view.setWaiting(what);
  const waited = await abortableDelay(ms, ctx.io.signal);
  ctx.view.setWaiting(undefined);
  return waited ? undefined : stopped(ctx.io, ctx.config);
}
