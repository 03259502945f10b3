/**
 * Budget arithmetic for `--max-budget-usd` and `--max-session-budget-usd`. Pure functions: the loop asks
 * `canStartSession` before each session and `sessionOverBudget` while one runs; costs are the SDK's own
 * estimates (`total_cost_usd` of its result messages), in US dollars.
 *
 * The next session's cost is not known in advance, so it is estimated from the sessions already run (see
 * `estimateNextSessionCost`): the run stops cleanly *before* a session that would likely cross the budget,
 * rather than aborting it half way. When the estimate is wrong, the per-session cap bounds the overshoot.
 */

/** Float noise allowance: $0.000001. */
const EPSILON = 1e-6;

export interface EstimateOptions {
  /** Only the most recent sessions count: cost changes as a project grows. Default 20. */
  window?: number;
  /** The percentile used once there are enough samples (nearest rank). Default 0.9. */
  percentile?: number;
  /** Below this many samples, the maximum is used instead of the percentile. Default 5. */
  minSamples?: number;
  /** With a per-session cap, no session can cost (much) more than it: the estimate never exceeds it. */
  sessionCapUsd?: number | undefined;
}

/**
 * A high estimate of the next session's cost, from past sessions' costs (oldest first; sessions that
 * recorded no cost, such as interrupted ones, should be left out by the caller):
 * - none yet: 0 (the first session always starts while anything is left of the budget);
 * - fewer than `minSamples` (5): the most expensive of them;
 * - otherwise the 90th percentile (nearest rank) of the last `window` (20).
 * Capped at `sessionCapUsd` when a per-session cap is set.
 */
export function estimateNextSessionCost(
  pastCostsUsd: readonly number[],
  options: EstimateOptions = {},
): number {
  const window = options.window ?? 20;
  const percentile = options.percentile ?? 0.9;
  const minSamples = options.minSamples ?? 5;
  const recent = pastCostsUsd.filter((c) => Number.isFinite(c) && c >= 0).slice(-window);
  let estimate = 0;
  if (recent.length > 0 && recent.length < minSamples) estimate = Math.max(...recent);
  else if (recent.length > 0) {
    const sorted = [...recent].sort((a, b) => a - b);
    const rank = Math.min(sorted.length, Math.max(1, Math.ceil(percentile * sorted.length)));
    estimate = sorted[rank - 1] ?? 0;
  }
  const cap = options.sessionCapUsd;
  return cap === undefined ? estimate : Math.min(estimate, cap);
}

export interface BudgetInput {
  /** Spent so far on this project (state.json `totals.costUsd`). */
  spentUsd: number;
  /** `--max-budget-usd`; `undefined` is no budget. */
  budgetUsd: number | undefined;
  /** From `estimateNextSessionCost`. */
  estimateNextUsd: number;
}

export type BudgetDecision =
  | { ok: true; remainingUsd: number }
  | {
      ok: false;
      /** `spent`: the budget is used up; `estimate`: money is left, but likely not enough for a session. */
      why: 'spent' | 'estimate';
      spentUsd: number;
      budgetUsd: number;
      estimateNextUsd: number;
      remainingUsd: number;
      /** One sentence for the terminal, saying why and how to continue. */
      message: string;
    };

/**
 * Whether another session fits in the budget: something must be left, and the estimate must fit in what
 * is left. Without a budget, always.
 */
export function canStartSession(input: BudgetInput): BudgetDecision {
  const { spentUsd, budgetUsd, estimateNextUsd } = input;
  if (budgetUsd === undefined) return { ok: true, remainingUsd: Number.POSITIVE_INFINITY };
  const remainingUsd = Math.max(0, budgetUsd - spentUsd);
  const spent = spentUsd + EPSILON >= budgetUsd;
  if (!spent && spentUsd + estimateNextUsd <= budgetUsd + EPSILON) return { ok: true, remainingUsd };
  const why = spent ? 'spent' : 'estimate';
  const raiseTo = roundUpCents(Math.max(budgetUsd, spentUsd) + Math.max(estimateNextUsd, 0.01));
  const message =
    why === 'spent'
      ? `Budget reached: ${usd(spentUsd)} spent of --max-budget-usd ${usd(budgetUsd)}.`
      : `Budget nearly reached: ${usd(spentUsd)} spent of --max-budget-usd ${usd(budgetUsd)}, ${usd(remainingUsd)} left, and a session is estimated at ${usd(estimateNextUsd)}.`;
  return {
    ok: false,
    why,
    spentUsd,
    budgetUsd,
    estimateNextUsd,
    remainingUsd,
    message: `${message} Nothing is lost: to continue, run the same command again with a higher --max-budget-usd (at least ${usd(raiseTo)}).`,
  };
}

/**
 * Whether a running session has reached its cap (`--max-session-budget-usd`): true once the spend is at
 * or above the cap. Without a cap, never.
 */
export function sessionOverBudget(spentThisSessionUsd: number, capUsd: number | undefined): boolean {
  if (capUsd === undefined) return false;
  return spentThisSessionUsd + EPSILON >= capUsd;
}

/**
 * The most the SDK may spend in the next session: the per-session cap, and never more than what is left
 * of the run budget. Pass it as the SDK's `maxBudgetUsd` option (the SDK then ends the session with an
 * `error_max_budget_usd` result). `undefined` when neither limit is set.
 */
export function sessionSpendLimit(input: {
  spentUsd: number;
  budgetUsd: number | undefined;
  sessionCapUsd: number | undefined;
}): number | undefined {
  const left = input.budgetUsd === undefined ? undefined : Math.max(0, input.budgetUsd - input.spentUsd);
  if (left === undefined) return input.sessionCapUsd;
  if (input.sessionCapUsd === undefined) return left;
  return Math.min(left, input.sessionCapUsd);
}

/**
 * Exact money, as every view of a run's spending prints it (the live view, the progress and totals lines,
 * `status`, the HTML report): `$0.4200`, `$12.3457`.
 */
export function usdExact(amount: number): string {
  return Number.isFinite(amount) ? `$${amount.toFixed(4)}` : '∞';
}

/** A rounded amount for budget messages: `$1.23`, or `$0.0042` below one cent. */
export function usd(amount: number): string {
  if (!Number.isFinite(amount)) return '∞';
  return amount !== 0 && Math.abs(amount) < 0.01 ? `$${amount.toFixed(4)}` : `$${amount.toFixed(2)}`;
}

function roundUpCents(amount: number): number {
  return Math.ceil(amount * 100 - EPSILON) / 100;
}
