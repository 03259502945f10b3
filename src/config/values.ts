/**
 * Words for problems with a setting's value, shared by flags and `claude-harness.json` so both read alike.
 */
import { MAX_DURATION_MS, MAX_TIMER_MINUTES, UNIT_MS } from './duration.js';
import type { RunSetting } from './settings.js';
import { MODES } from './types.js';

const UNIT_NAMES = { ms: 'milliseconds', s: 'seconds', m: 'minutes', h: 'hours' } as const;

/** What a valid value looks like, completing "must be …". */
export function expectation(setting: RunSetting): string {
  switch (setting.kind) {
    case 'path':
      return setting.valueName === 'dir' ? 'the path of a folder' : 'the path of a file';
    case 'mode':
      return `one of ${MODES.join(', ')}`;
    case 'model':
      return 'a model ID or alias such as sonnet';
    case 'positive-integer':
    case 'non-negative-integer': {
      const min = setting.kind === 'positive-integer' ? 1 : 0;
      const max = setting.max ?? Number.MAX_SAFE_INTEGER;
      return max >= Number.MAX_SAFE_INTEGER
        ? `a whole number of ${min} or more`
        : `a whole number from ${min} to ${max}`;
    }
    case 'duration':
    case 'non-negative-duration': {
      const unit = setting.bareUnit ?? 'm';
      const min = setting.kind === 'duration' ? 1 : 0;
      const examples = unit === 'm' || unit === 'h' ? '90s, 10m or 2h' : '500ms, 2s or 1m';
      return (
        `a whole number of ${UNIT_NAMES[unit]} from ${min} to ${Math.floor(MAX_DURATION_MS / UNIT_MS[unit])}, ` +
        `or a whole number with a unit (ms, s, m, h) such as ${examples}, up to ${MAX_TIMER_MINUTES}m`
      );
    }
    case 'usd':
      return 'an amount of US dollars greater than 0, such as 10 or 2.50';
    case 'url':
      return 'an http:// or https:// URL';
    case 'boolean-negated':
    case 'flag':
    case 'verbosity':
      return 'true or false';
  }
}

/**
 * How a rejected value of `setting` shows in a message. A URL is never repeated: a webhook URL often holds
 * a token (Slack, Discord), and messages end up in logs.
 */
export function describeSettingValue(setting: RunSetting | undefined, value: unknown): string {
  if (setting?.kind !== 'url' || typeof value !== 'string') return describeValue(value);
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  return protocol === undefined || protocol === 'http:' || protocol === 'https:'
    ? 'something that is not a valid URL (not shown, as it may hold a token)'
    : `a URL that starts with ${protocol} (not shown, as it may hold a token)`;
}

/** `"abc"`, `1.5`, `"5" (a string)`, `null`: how a rejected value shows in a message. */
export function describeValue(value: unknown): string {
  let text = JSON.stringify(value) ?? String(value);
  if (text.length > 60) text = `${text.slice(0, 57)}...`;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return `${text} (a string)`;
  if (Array.isArray(value)) return `${text} (a list)`;
  return text;
}

/** The candidate closest to `word` when it looks like a typo of it (edit distance at most a third). */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
