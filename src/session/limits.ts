/**
 * The run's limits: --max-iterations, --max-duration and --max-budget-usd stop the run before a session
 * starts; --max-session-budget-usd and what is left of the budget cap the next session's spending, and what
 * is left of --max-duration caps its time.
 */

import { describeDuration } from '../config/duration.js';
import { ExitCode } from '../errors/index.js';
import { canStartSession, estimateNextSessionCost, sessionSpendLimit, usd } from '../report/cost.js';
import type { HarnessState } from '../state/schema.js';
import type { LoopContext } from './context.js';
import { printTotals } from './progress.js';
import type { HarnessSessionReport } from './session-runner.js';
import type { Verdict } from './verdicts.js';

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
  if (config.maxDurationMs !== undefined && Date.now() - ctx.startedAt >= config.maxDurationMs) {
    return durationStop(ctx, state, undefined);
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
    limitUsd: decision.budgetUsd,
  });
  io.out.write(`\n■ ${decision.message}\n`);
  printTotals(io, state);
  return ExitCode.limit;
}

/**
 * Stops the run at --max-duration (exit code 3), saying so and how to continue. `session` is the session the
 * run's time ran out in, if one was running.
 */
export function durationStop(ctx: LoopContext, state: HarnessState, session: number | undefined): number {
  const { config, io, events } = ctx;
  const elapsedMs = Date.now() - ctx.startedAt;
  const reason = `the run reached --max-duration (${describeDuration(config.maxDurationMs ?? 0)}) after ${describeDuration(elapsedMs)}. Nothing is lost: run the same command again to continue.`;
  events.append({
    type: 'budget_stop',
    limit: 'max-duration',
    ...(session === undefined ? {} : { session }),
    elapsedMs,
    limitMs: config.maxDurationMs,
    reason,
  });
  ctx.notify('budget_reached', {
    limit: 'max-duration',
    elapsedMs,
    limitMs: config.maxDurationMs,
    ...(session === undefined ? {} : { session }),
  });
  io.out.write(`\n■ Stopped: ${reason}\n`);
  printTotals(io, state);
  return ExitCode.limit;
}

/** The cap on one session's spending, and the flag it comes from. */
export interface SpendCap {
  usd: number;
  /** `max-budget-usd` when what is left of the run's budget is less than the session cap. */
  limit: 'max-budget-usd' | 'max-session-budget-usd';
}

/** The SDK's own spending cap for the next session: the smaller of the session cap and what is left. */
export function sessionBudget(ctx: LoopContext, state: HarnessState): SpendCap | undefined {
  const { config } = ctx;
  const usd = sessionSpendLimit({
    spentUsd: state.totals.costUsd,
    budgetUsd: config.maxBudgetUsd,
    sessionCapUsd: config.maxSessionBudgetUsd,
  });
  if (usd === undefined) return undefined;
  return { usd, limit: usd === config.maxSessionBudgetUsd ? 'max-session-budget-usd' : 'max-budget-usd' };
}

/** A session's time limit, and where it comes from. */
export interface TimeLimit {
  ms: number;
  /** The limit is what is left of --max-duration: a session it ends is the run's time running out. */
  byRunDuration: boolean;
}

/** The next session's time limit: --session-timeout, or what is left of --max-duration if less (≥ 1 s). */
export function sessionTimeLimit(ctx: LoopContext): TimeLimit {
  const { config } = ctx;
  const leftMs =
    config.maxDurationMs === undefined
      ? Number.POSITIVE_INFINITY
      : ctx.startedAt + config.maxDurationMs - Date.now();
  return {
    ms: Math.max(1_000, Math.min(config.sessionTimeoutMs, leftMs)),
    byRunDuration: leftMs < config.sessionTimeoutMs,
  };
}

/** Which limit, if any, ended a session before it ended by itself. */
export type LimitCut =
  | { kind: 'run-duration' }
  | { kind: 'spend-cap'; cap: SpendCap; spentUsd: number }
  | undefined;

export function limitCut(
  report: HarnessSessionReport,
  timeLimit: TimeLimit,
  spendCap: SpendCap | undefined,
): LimitCut {
  const o = report.outcome;
  if (timeLimit.byRunDuration && o.kind === 'timeout' && o.expiry.reason === 'session') {
    return { kind: 'run-duration' };
  }
  if (report.result?.subtype === 'error_max_budget_usd' && spendCap !== undefined) {
    return { kind: 'spend-cap', cap: spendCap, spentUsd: report.result.costUsd };
  }
  return undefined;
}

/**
 * What a session a limit cut short amounts to. The run's time running out is not the feature's failure: like
 * Ctrl+C it is `interrupted` and no attempt is counted. A session that reached its spending cap is `aborted`
 * and counts, as any session that could not finish its feature. A session that passed stays passed.
 */
export function limitVerdict(ctx: LoopContext, cut: LimitCut, verdict: Verdict): Verdict {
  if (cut === undefined || verdict.outcome === 'passed') return verdict;
  if (cut.kind === 'run-duration') {
    return {
      ...verdict,
      outcome: 'interrupted',
      reason: `the run reached its --max-duration (${describeDuration(ctx.config.maxDurationMs ?? 0)}) while the session was running`,
    };
  }
  return { ...verdict, outcome: 'aborted', reason: spendCapReason(ctx, cut.cap, cut.spentUsd) };
}

/**
 * After a session's spending cap stopped it: a `budget_stop` event (the session's outcome line says why).
 * When the cap was what was left of --max-budget-usd, the run stops before the next session and notifies
 * then; a session cap of its own is notified now, and the run goes on.
 */
export function reportSpendCap(
  ctx: LoopContext,
  session: number,
  cut: LimitCut,
  /** The state as read before the session. */
  state: HarnessState,
): void {
  if (cut?.kind !== 'spend-cap') return;
  const { config, events } = ctx;
  const reason = spendCapReason(ctx, cut.cap, cut.spentUsd);
  const runBudget = cut.cap.limit === 'max-budget-usd';
  const details = {
    limit: cut.cap.limit,
    session,
    spentUsd: runBudget ? state.totals.costUsd + cut.spentUsd : cut.spentUsd,
    limitUsd: runBudget ? config.maxBudgetUsd : cut.cap.usd,
  };
  events.append({ type: 'budget_stop', ...details, reason });
  if (!runBudget) ctx.notify('budget_reached', details);
}

function spendCapReason(ctx: LoopContext, cap: SpendCap, spentUsd: number): string {
  return cap.limit === 'max-session-budget-usd'
    ? `stopped at its spending cap: ${usd(spentUsd)} spent, --max-session-budget-usd ${usd(cap.usd)}`
    : `stopped: it spent what was left of --max-budget-usd ${usd(ctx.config.maxBudgetUsd ?? 0)} (${usd(cap.usd)} left, ${usd(spentUsd)} spent)`;
}
