import { loadPrompt } from './prompts.js';

/** What a coding session's prompt says about its feature. */
export interface PromptFeature {
  id: string;
  category: string;
  description: string;
  steps: readonly string[];
}

export interface PromptAttempt {
  session: number;
  outcome: string;
  reason?: string | undefined;
}

export interface CodingPromptInput {
  feature: PromptFeature;
  attempts: readonly PromptAttempt[];
  passing: number;
  total: number;
  /** `git log --oneline` lines, newest first. */
  gitLog: readonly string[];
  /** The end of claude-progress.txt. */
  progressTail: string;
  /** Regressions or other news the harness must tell the agent. */
  notices?: readonly string[];
  promptsDir?: string | undefined;
}

/** Lines of claude-progress.txt the prompt carries (the agent can read the rest). */
export const PROGRESS_TAIL_LINES = 30;
export const GIT_LOG_LINES = 10;

/**
 * The coding prompt carries the feature, its history and where the project stands, so the agent does not
 * need to read a 200-entry feature list to orient itself.
 */
export async function buildCodingPrompt(input: CodingPromptInput): Promise<string> {
  const { feature } = input;
  const steps = feature.steps.map((step, i) => `${i + 1}. ${step.replace(/^Step \d+:\s*/i, '')}`).join('\n');
  const attempts =
    input.attempts.length === 0
      ? ''
      : `## Earlier attempts at ${feature.id} (learn from them)\n${input.attempts
          .map((a) => `- Session ${a.session}: ${a.outcome}${a.reason ? ` — ${a.reason}` : ''}`)
          .join('\n')}\n\n`;
  const notices = (input.notices ?? []).map((n) => `> **Note from the harness:** ${n}\n`).join('');
  const prompt = await loadPrompt(
    'coding',
    {
      featureId: feature.id,
      category: feature.category,
      description: feature.description,
      steps: steps || '1. (no steps given: derive them from the description)',
      attempts,
      passing: input.passing,
      total: input.total,
      gitLog: indent(input.gitLog.slice(0, GIT_LOG_LINES).join('\n') || '(no commits yet)'),
      progressTail: indent(tail(input.progressTail, PROGRESS_TAIL_LINES) || '(none yet)'),
    },
    input.promptsDir,
  );
  return notices ? `${notices}\n${prompt}` : prompt;
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n').trim();
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
