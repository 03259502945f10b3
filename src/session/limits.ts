/**
 * The run's limits: --max-iterations, --max-duration and --max-budget-usd stop the run before a session
 * starts; --max-session-budget-usd and what is left of the budget cap the next session's spending, and what
 * is left of --max-duration caps its time.
 */
import { ExitCode } from '../errors/index.js';
import { canStartSession, estimateNextSessionCost, sessionSpendLimit } from '../report/cost.js';
import type { HarnessState } from '../state/schema.js';
import type { LoopContext } from './context.js';
import { printTotals } from './progress.js';

/**
 * Checked before a session starts, on `state` as read for it: the exit code when a run-level limit is
 * reached (after saying so), undefined when the session may start.
 */
export function limitReached(
  ctx: LoopContext,
  state: HarnessState,
  sessionsThisRun: number,
): number | undefined {
  const { config, io, events } = ctx;
  if (config.maxIterations !== undefined && sessionsThisRun >= config.maxIterations) {
    io.out.write(
      `Stopped after ${sessionsThisRun} session${sessionsThisRun === 1 ? '' : 's'} (--max-iterations ${config.maxIterations}). Run the same command again to continue.\n`,
    );
    printTotals(io, state);
    return ExitCode.limit;
  }
  if (config.maxDurationMs !== undefined) {
    const elapsedMs = Date.now() - ctx.startedAt;
    if (elapsedMs >= config.maxDurationMs) {
      const reason = `the run reached --max-duration after ${Math.round(elapsedMs / 1000)} s`;
      events.append({
        type: 'budget_stop',
        limit: 'max-duration',
        elapsedMs,
        limitMs: config.maxDurationMs,
        reason,
      });
      ctx.notify('budget_reached', { limit: 'max-duration', elapsedMs });
      io.out.write(`\n■ Stopped: ${reason}. Nothing is lost: run the same command again to continue.\n`);
      printTotals(io, state);
      return ExitCode.limit;
    }
  }
  if (config.maxBudgetUsd === undefined) return undefined;
  const costs = state.sessions.filter((x) => x.outcome !== 'running').map((x) => x.costUsd);
  const decision = canStartSession({
    spentUsd: state.totals.costUsd,
    budgetUsd: config.maxBudgetUsd,
    estimateNextUsd: estimateNextSessionCost(costs, { sessionCapUsd: config.maxSessionBudgetUsd }),
  });
  if (decision.ok) return undefined;
  events.append({
    type: 'budget_stop',
    limit: 'max-budget-usd',
    spentUsd: decision.spentUsd,
    limitUsd: decision.budgetUsd,
    estimateNextUsd: decision.estimateNextUsd,
    reason: decision.message,
  });
  ctx.notify('budget_reached', {
    limit: 'max-budget-usd',
    spentUsd: decision.spentUsd,
    budgetUsd: decision.budgetUsd,
  });
  io.out.write(`\n■ ${decision.message}\n`);
  printTotals(io, state);
  return ExitCode.limit;
}

/** The SDK's own spending cap for the next session: the smaller of the session cap and what is left. */
export function sessionBudget(ctx: LoopContext, state: HarnessState): number | undefined {
  const { config } = ctx;
  if (config.maxBudgetUsd === undefined && config.maxSessionBudgetUsd === undefined) return undefined;
  return sessionSpendLimit({
    spentUsd: state.totals.costUsd,
    budgetUsd: config.maxBudgetUsd,
    sessionCapUsd: config.maxSessionBudgetUsd,
  });
}

/** The next session's time limit: --session-timeout, or what is left of --max-duration if less (≥ 1 s). */
export function sessionTimeLimitMs(ctx: LoopContext): number {
  const { config } = ctx;
  const leftMs =
    config.maxDurationMs === undefined
      ? Number.POSITIVE_INFINITY
      : ctx.startedAt + config.maxDurationMs - Date.now();
  return Math.max(1_000, Math.min(config.sessionTimeoutMs, leftMs));
}
