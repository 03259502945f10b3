/**
 * What a finished session amounts to: the verdict (outcome, reason, what to tell the agent next time) after
 * the initializer, a plan extension or a coding session, and skipping a feature after --max-retries failed
 * attempts.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type IdentifiedFeature,
  readFeatureList,
  readFeatureListText,
  validateFeatureList,
} from '../ledger/feature-list.js';
import { readOwnedList, reconcileFeatureList, writeOwnedList } from '../ledger/owned-list.js';
import { markSpecPlanned } from '../ledger/planned-spec.js';
import { countedAttempts } from '../state/mutations.js';
import { readProjectFile } from '../state/safe-fs.js';
import type { EndedOutcome } from '../state/schema.js';
import type { LoopContext } from './context.js';
import type { CodingPlan, SessionPlan } from './plan.js';
import type { HarnessSessionReport } from './session-runner.js';
import type { SessionVerification } from './verification.js';

export interface Verdict {
  outcome: EndedOutcome;
  reason: string | undefined;
  notices: string[];
}

/** The verdict on a finished session, by what it was planned to do. */
export async function judgeSession(
  ctx: LoopContext,
  plan: SessionPlan,
  report: HarnessSessionReport,
  verification: SessionVerification,
): Promise<Verdict> {
  if (plan.kind === 'coding') return afterCoding(ctx, plan, report, verification);
  return plan.extend ? afterExtension(ctx, report) : afterInitializer(ctx, report);
}

async function afterInitializer(ctx: LoopContext, report: HarnessSessionReport): Promise<Verdict> {
  const interruption = outcomeOfInterruption(report);
  const list = await readFeatureList(ctx.projectDir);
  if (list.ok) {
    const features = await ctx.store.assignFeatureIds(list.features);
    await writeOwnedList(ctx.projectDir, features);
    await markSpecPlanned(ctx.projectDir);
    ctx.io.out.write(
      `  feature list accepted: ${features.length} features, ids ${features[0]?.id}…${features.at(-1)?.id}\n`,
    );
    ctx.events.append({ type: 'feature_list_accepted', count: features.length });
    return { outcome: 'passed', reason: undefined, notices: [] };
  }
  if (interruption) return { ...interruption, notices: [] };
  ctx.events.append({ type: 'feature_list_rejected', error: list.error });
  return { outcome: 'failed', reason: list.error, notices: [] };
}

/**
 * After an enhancement/bugfix planning session: the agent's `new_features.json` entries are appended to the
 * harness list (category set to the mode, not passing, new ids); existing entries are never touched.
 */
async function afterExtension(ctx: LoopContext, report: HarnessSessionReport): Promise<Verdict> {
  const { projectDir, config } = ctx;
  const file = join(projectDir, 'new_features.json');
  const text = readProjectFile(projectDir, file);
  const owned = (await readOwnedList(projectDir)) ?? [];
  // Whatever happened to feature_list.json during the session, the harness copy stands.
  const reconciled = reconcileFeatureList(owned, readFeatureListText(projectDir), undefined, false);
  const notices =
    reconciled.tampering.length > 0
      ? [`Changes to feature_list.json were undone: ${reconciled.tampering.join('; ')}.`]
      : [];
  const parsed = text === undefined ? undefined : validateFeatureList(text);
  if (parsed === undefined || !parsed.ok) {
    await writeOwnedList(projectDir, reconciled.features);
    const interruption = outcomeOfInterruption(report);
    if (interruption) return { ...interruption, notices };
    return {
      outcome: 'failed',
      reason:
        parsed?.ok === false
          ? parsed.error.replace('feature_list.json', 'new_features.json')
          : 'new_features.json was not written',
      notices,
    };
  }
  const added = parsed.features.map(({ id: _id, ...f }) => ({ ...f, category: config.mode, passes: false }));
  const features = await ctx.store.assignFeatureIds([...reconciled.features, ...added]);
  await writeOwnedList(projectDir, features);
  await rm(file, { force: true });
  await markSpecPlanned(projectDir);
  ctx.io.out.write(
    `  ${added.length} new ${config.mode} feature${added.length === 1 ? '' : 's'} appended: ${features
      .slice(-added.length)
      .map((f) => f.id)
      .join(', ')}\n`,
  );
  ctx.events.append({ type: 'feature_list_accepted', count: features.length, added: added.length });
  return { outcome: 'passed', reason: undefined, notices };
}

async function afterCoding(
  ctx: LoopContext,
  plan: CodingPlan,
  report: HarnessSessionReport,
  verification: SessionVerification,
): Promise<Verdict> {
  const text = readFeatureListText(ctx.projectDir);
  const owned = (await readOwnedList(ctx.projectDir)) ?? plan.features;
  // Only the harness flips `passes`, from the proof its own test run produced.
  const reconciled = reconcileFeatureList(owned, text, plan.feature.id, false);
  const proof = verification.proof;
  if (proof) {
    const target = reconciled.features.find((f) => f.id === plan.feature.id);
    if (target) target.passes = true;
  }
  await writeOwnedList(ctx.projectDir, reconciled.features);
  const notices: string[] = [];
  if (reconciled.tampering.length > 0) {
    ctx.events.append({ type: 'tamper', featureId: plan.feature.id, changes: reconciled.tampering });
    ctx.io.out.write(`  ⛔ feature_list.json changes undone: ${reconciled.tampering.join('; ')}\n`);
    notices.push(
      `Changes to feature_list.json other than setting your feature's "passes" were undone: ${reconciled.tampering.join('; ')}.`,
    );
  }
  if (proof) {
    ctx.events.append({
      type: 'feature_passed',
      featureId: plan.feature.id,
      command: proof.command,
      counts: proof.counts,
      commit: proof.commit,
    });
    const passed = proof.counts.passed;
    ctx.io.out.write(
      `  ✓ ${plan.feature.id} passes: \`${proof.command}\` ran ${passed} passing test${passed === 1 ? '' : 's'}\n`,
    );
    return { outcome: 'passed', reason: undefined, notices };
  }
  if (verification.gaveUp !== undefined) {
    return { outcome: 'failed', reason: `the agent gave up: ${verification.gaveUp}`, notices };
  }
  const interruption = outcomeOfInterruption(report);
  if (interruption) return { ...interruption, notices };
  const reason =
    report.outcome.kind === 'error'
      ? report.outcome.message
      : `the session ended without a passing test run for ${plan.feature.id} (mcp__harness__feature_pass)`;
  return { outcome: 'failed', reason, notices };
}

/** The outcome of a session the harness or the user cut short, or undefined when it ended by itself. */
function outcomeOfInterruption(report: HarnessSessionReport): Omit<Verdict, 'notices'> | undefined {
  const o = report.outcome;
  switch (o.kind) {
    case 'timeout':
      return { outcome: o.expiry.reason === 'session' ? 'timeout' : 'aborted', reason: o.expiry.message };
    case 'loop':
      return { outcome: 'aborted', reason: `loop detected (${o.verdict.pattern}): ${o.verdict.message}` };
    case 'api-error':
      return { outcome: 'api-error', reason: `${o.failure.kind}: ${o.failure.message}` };
    case 'interrupted':
      return { outcome: 'interrupted', reason: 'stopped by the user' };
    default:
      return undefined;
  }
}

/** After a failed coding session: skips the feature once its counted attempts reach --max-retries. */
export async function maybeSkip(
  ctx: LoopContext,
  feature: IdentifiedFeature,
  outcome: EndedOutcome,
): Promise<void> {
  if (outcome === 'passed') return;
  const state = await ctx.store.load();
  const attempts = countedAttempts(state, feature.id);
  if (attempts < ctx.config.maxRetries) return;
  const reasons = (state.features[feature.id]?.attempts ?? []).map((a) => a.reason ?? a.outcome);
  const reason = `${attempts} failed attempts: ${reasons.join(' | ')}`;
  await ctx.store.skipFeature(feature.id, reason);
  ctx.events.append({ type: 'feature_skipped', featureId: feature.id, reason });
  ctx.notify('feature_skipped', { featureId: feature.id, description: feature.description, reason });
  ctx.io.out.write(
    `  ■ ${feature.id} skipped after ${attempts} failed attempts (--max-retries ${ctx.config.maxRetries})\n`,
  );
}
