/**
 * Planning the next session: the initializer (or, in enhancement/bugfix mode, an extension of the plan),
 * a coding session for the next unfinished feature, or the end of the run — and the prompt for it.
 */
import { join } from 'node:path';
import { ExitCode } from '../errors/index.js';
import { type IdentifiedFeature, readFeatureList } from '../ledger/feature-list.js';
import { readOwnedList, writeOwnedList } from '../ledger/owned-list.js';
import { markSpecPlanned, plannedSpecHash, specHash } from '../ledger/planned-spec.js';
import { countedAttempts } from '../state/mutations.js';
import { readProjectFile } from '../state/safe-fs.js';
import { COUNTED_OUTCOMES, type HarnessState } from '../state/schema.js';
import { isRepo, recentLog } from '../vcs/git.js';
import { buildCodingPrompt } from './coding-prompt.js';
import type { LoopContext } from './context.js';
import { loadPrompt } from './prompts.js';

export type Plan =
  | { kind: 'initializer'; retryNote: string | undefined; extend?: boolean }
  | { kind: 'coding'; feature: IdentifiedFeature; features: IdentifiedFeature[]; attempt: number }
  | { kind: 'done'; exitCode: number; message: string };

export type CodingPlan = Extract<Plan, { kind: 'coding' }>;
export type SessionPlan = Exclude<Plan, { kind: 'done' }>;

/**
 * What to do next, and the state it was decided on: read once, after the only write planning makes (adopting
 * a valid feature list the harness has not adopted yet), and good until the next session starts.
 */
export async function planNext(ctx: LoopContext): Promise<{ plan: Plan; state: HarnessState }> {
  const { projectDir, store } = ctx;
  let owned = await readOwnedList(projectDir);
  let retryNote: string | undefined;
  if (owned === undefined) {
    const onDisk = await readFeatureList(projectDir);
    if (onDisk.ok) {
      // A valid list the harness has not adopted yet (a crash right after the initializer, or a project
      // that brings its own list): adopt it without another session.
      owned = await store.assignFeatureIds(onDisk.features);
      await writeOwnedList(projectDir, owned);
      await markSpecPlanned(projectDir);
    } else if (!onDisk.missing) {
      retryNote = onDisk.error;
    }
  }
  const state = await store.load();
  return { plan: await decide(ctx, owned, retryNote, state), state };
}

/** `owned` is the harness list (undefined before one is accepted); `retryNote` what was wrong with the last. */
async function decide(
  ctx: LoopContext,
  owned: IdentifiedFeature[] | undefined,
  retryNote: string | undefined,
  state: HarnessState,
): Promise<Plan> {
  const { projectDir, config } = ctx;
  if (owned === undefined) {
    const failed = state.sessions.filter(
      (x) => x.kind === 'initializer' && (COUNTED_OUTCOMES as readonly string[]).includes(x.outcome),
    );
    if (failed.length >= config.maxRetries) {
      return {
        kind: 'done',
        exitCode: ExitCode.failure,
        message: `\n✗ The initializer failed ${failed.length} times (--max-retries ${config.maxRetries}); last problem: ${failed.at(-1)?.reason ?? 'unknown'}. Fix the spec or write feature_list.json yourself, then run again.`,
      };
    }
    return { kind: 'initializer', retryNote };
  }
  if (
    (config.mode === 'enhancement' || config.mode === 'bugfix') &&
    (await specHash(projectDir)) !== (await plannedSpecHash(projectDir))
  ) {
    return { kind: 'initializer', retryNote: undefined, extend: true };
  }
  if (owned.length > 0 && owned.every((f) => f.passes)) {
    return { kind: 'done', exitCode: ExitCode.ok, message: `\n✓ All ${owned.length} features pass.` };
  }
  const skipped = new Set(
    Object.entries(state.features)
      .filter(([, r]) => r.skipped)
      .map(([id]) => id),
  );
  const next = owned.find((f) => !f.passes && !skipped.has(f.id));
  if (next === undefined) {
    const passing = owned.filter((f) => f.passes).length;
    return {
      kind: 'done',
      exitCode: ExitCode.skipped,
      message: `\n■ ${passing} of ${owned.length} features pass; the other ${owned.length - passing} were skipped after ${config.maxRetries} failed attempts each. See them with: claude-harness skipped --project-dir ${config.projectDir}`,
    };
  }
  return { kind: 'coding', feature: next, features: owned, attempt: countedAttempts(state, next.id) + 1 };
}

/** The prompt for a planned session; a coding prompt carries `notices` (what the agent must be told). */
export async function buildPrompt(
  ctx: LoopContext,
  plan: SessionPlan,
  state: HarnessState,
  notices: string[],
): Promise<string> {
  const { config, projectDir } = ctx;
  if (plan.kind === 'initializer' && plan.extend) {
    return loadPrompt('extend', { mode: config.mode }, config.promptsDir);
  }
  if (plan.kind === 'initializer') {
    let prompt = await loadPrompt('initializer', { featureCount: config.featureCount }, config.promptsDir);
    if (plan.retryNote !== undefined) {
      prompt += await loadPrompt('initializer-retry', { validationError: plan.retryNote }, config.promptsDir);
    }
    return prompt;
  }
  const attempts = (state.features[plan.feature.id]?.attempts ?? []).map((a) => ({
    session: a.session,
    outcome: a.outcome,
    reason: a.reason,
  }));
  return buildCodingPrompt({
    feature: plan.feature,
    attempts,
    passing: plan.features.filter((f) => f.passes).length,
    total: plan.features.length,
    gitLog: (await isRepo(projectDir)) ? await recentLog(projectDir, 10) : [],
    // Never read through a link: nothing outside the project reaches the prompt.
    progressTail: readProjectFile(projectDir, join(projectDir, 'claude-progress.txt')) ?? '',
    notices,
    promptsDir: config.promptsDir,
  });
}
