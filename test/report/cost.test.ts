import { describe, expect, it } from 'vitest';
import {
  canStartSession,
  estimateNextSessionCost,
  sessionOverBudget,
  sessionSpendLimit,
  usd,
} from '../../src/report/cost.js';

describe('estimateNextSessionCost', () => {
  it('is 0 before any session, so the first one always starts', () => {
    expect(estimateNextSessionCost([])).toBe(0);
  });

  it('is the most expensive session while there are fewer than 5', () => {
    expect(estimateNextSessionCost([0.2, 0.9, 0.4])).toBe(0.9);
  });

  it('is the 90th percentile (nearest rank) of the last 20 sessions', () => {
    const costs = Array.from({ length: 20 }, (_, i) => (i + 1) / 10); // 0.1 … 2.0
    expect(estimateNextSessionCost(costs)).toBe(1.8);
    // Older sessions fall out of the window: a cheap early history does not hide expensive recent ones.
    expect(estimateNextSessionCost([...Array(50).fill(0.01), ...Array(20).fill(1)])).toBe(1);
    // One outlier in 20 is above the 90th percentile.
    expect(estimateNextSessionCost([...Array(19).fill(0.5), 9])).toBe(0.5);
  });

  it('never exceeds the per-session cap and ignores junk values', () => {
    expect(estimateNextSessionCost([3, 4, 5], { sessionCapUsd: 2 })).toBe(2);
    expect(estimateNextSessionCost([Number.NaN, -1, 0.3])).toBe(0.3);
    expect(estimateNextSessionCost([1, 2, 3, 4], { minSamples: 2, percentile: 0.5 })).toBe(2);
  });
});

describe('canStartSession', () => {
  it('always allows a session without a budget', () => {
    expect(canStartSession({ spentUsd: 1e6, budgetUsd: undefined, estimateNextUsd: 5 })).toEqual({
      ok: true,
      remainingUsd: Number.POSITIVE_INFINITY,
    });
  });

  it('allows a session whose estimate fits in what is left', () => {
    expect(canStartSession({ spentUsd: 6, budgetUsd: 10, estimateNextUsd: 4 })).toEqual({
      ok: true,
      remainingUsd: 4,
    });
    // Float sums such as 0.1 + 0.2 do not refuse an exact fit.
    expect(canStartSession({ spentUsd: 0.1 + 0.2, budgetUsd: 0.6, estimateNextUsd: 0.3 }).ok).toBe(true);
  });

  it('stops before a session that likely would not fit, and says how to continue', () => {
    const decision = canStartSession({ spentUsd: 8.5, budgetUsd: 10, estimateNextUsd: 2 });
    expect(decision).toMatchObject({ ok: false, why: 'estimate', remainingUsd: 1.5 });
    if (decision.ok) throw new Error('expected a stop');
    expect(decision.message).toBe(
      'Budget nearly reached: $8.50 spent of --max-budget-usd $10.00, $1.50 left, and a session is estimated at $2.00. ' +
        'Nothing is lost: to continue, run the same command again with a higher --max-budget-usd (at least $12.00).',
    );
  });

  it('stops when the budget is spent, even with no estimate yet', () => {
    const decision = canStartSession({ spentUsd: 10.2, budgetUsd: 10, estimateNextUsd: 0 });
    expect(decision).toMatchObject({ ok: false, why: 'spent', remainingUsd: 0 });
    if (decision.ok) throw new Error('expected a stop');
    expect(decision.message).toContain('Budget reached: $10.20 spent of --max-budget-usd $10.00.');
    expect(decision.message).toContain('(at least $10.21)');
    expect(canStartSession({ spentUsd: 0, budgetUsd: 0, estimateNextUsd: 0 }).ok).toBe(false);
  });
});

describe('sessionOverBudget', () => {
  it('is true once the spend reaches the cap, never without one', () => {
    expect(sessionOverBudget(0.99, 1)).toBe(false);
    expect(sessionOverBudget(1, 1)).toBe(true);
    expect(sessionOverBudget(1.5, 1)).toBe(true);
    expect(sessionOverBudget(1e9, undefined)).toBe(false);
  });
});

describe('sessionSpendLimit', () => {
  it('is the smaller of the session cap and what is left of the budget', () => {
    expect(sessionSpendLimit({ spentUsd: 9, budgetUsd: 10, sessionCapUsd: 2 })).toBe(1);
    expect(sessionSpendLimit({ spentUsd: 1, budgetUsd: 10, sessionCapUsd: 2 })).toBe(2);
    expect(sessionSpendLimit({ spentUsd: 1, budgetUsd: 10, sessionCapUsd: undefined })).toBe(9);
    expect(sessionSpendLimit({ spentUsd: 1, budgetUsd: undefined, sessionCapUsd: 3 })).toBe(3);
    expect(sessionSpendLimit({ spentUsd: 12, budgetUsd: 10, sessionCapUsd: undefined })).toBe(0);
    expect(
      sessionSpendLimit({ spentUsd: 1, budgetUsd: undefined, sessionCapUsd: undefined }),
    ).toBeUndefined();
  });
});

describe('usd', () => {
  it('shows cents, or four decimals below a cent', () => {
    expect(usd(1.5)).toBe('$1.50');
    expect(usd(0.0042)).toBe('$0.0042');
    expect(usd(0)).toBe('$0.00');
  });
});
