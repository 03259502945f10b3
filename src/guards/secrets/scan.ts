/**
 * Finds secret-looking values in text: secretlint's recommended preset, plus two one-line rules of ours
 * for what the preset misses (a PEM private-key header on its own, Anthropic OAuth/admin tokens).
 *
 * secretlint is loaded on the first scan only (dynamic import, about 40 ms), and its config is built once.
 * Hits carry the value masked, never the value itself, so they can be logged and shown to the agent.
 */
import type { lintSource as LintSource } from '@secretlint/core';
import type { SecretAllowance } from './config.js';
import { matchesGlob, normalizeRelative } from './glob.js';

export interface SecretHit {
  /** Project-relative path with `/`, as given to the scan. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units. */
  column: number;
  /** Short detector id, e.g. `github`, `aws`, `privatekey`, `private-key-header`, `anthropic-token`. */
  ruleId: string;
  /** What was found, e.g. `GitHub Token`; never the value. */
  message: string;
  /** The value masked: its first characters, `…` and its length, e.g. `ghp_… (40 chars)`. */
  masked: string;
}

export interface ScanOptions {
  /** Project-relative path of the text (used for allowances, the report and file-type rules). */
  fileName: string;
  /** Allowances from the `secrets` config section. */
  allow?: readonly SecretAllowance[] | undefined;
}

type LintConfig = Parameters<typeof LintSource>[0]['options']['config'];

const RULE_PREFIX = '@secretlint/secretlint-rule-';
/** `// secretlint-disable…` comments must not let the agent silence the scan. */
const SKIPPED_RULES = new Set([`${RULE_PREFIX}filter-comments`]);
/** AWS access key ids (AKIA…) are reported only with `enableIDScanRule`. */
const RULE_OPTIONS: Record<string, Record<string, unknown>> = {
  [`${RULE_PREFIX}aws`]: { enableIDScanRule: true },
};

/** Our own rules, for what the preset does not report. */
export const EXTRA_RULES: readonly { id: string; message: string; pattern: RegExp }[] = [
  {
    // The preset's privatekey rule wants the key body (100+ base64 characters); a header alone is enough.
    id: 'private-key-header',
    message: 'private key (PEM header)',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
  },
  {
    // The preset knows `sk-ant-api03-…AA` API keys only; OAuth (`sk-ant-oat01-`) and admin keys look alike.
    id: 'anthropic-token',
    message: 'Anthropic API key or token',
    pattern: /(?<![A-Za-z0-9_-])sk-ant-[a-z]{2,12}\d{2}-[A-Za-z0-9_-]{20,}/g,
  },
];

interface Engine {
  lint: typeof LintSource;
  config: LintConfig;
}

let engine: Promise<Engine> | undefined;

function loadEngine(): Promise<Engine> {
  engine ??= (async () => {
    const [{ lintSource }, preset] = await Promise.all([
      import('@secretlint/core'),
      import('@secretlint/secretlint-rule-preset-recommend'),
    ]);
    // The preset's rules one by one: core ignores a `disabled` flag, so a rule is left out by not adding it.
    const config: LintConfig = {
      rules: preset.rules
        .filter((rule) => !SKIPPED_RULES.has(rule.meta.id))
        .map((rule) => ({ id: rule.meta.id, rule, options: RULE_OPTIONS[rule.meta.id] ?? {} })),
    };
    return { lint: lintSource, config };
  })();
  engine.catch(() => {
    engine = undefined;
  });
  return engine;
}

/** Loads secretlint now, so the first guarded call does not pay for it. */
export async function warmUpSecretScanner(): Promise<void> {
  await loadEngine();
}

/** `@secretlint/secretlint-rule-github` → `github`. */
export function shortRuleId(ruleId: string): string {
  return ruleId.startsWith(RULE_PREFIX) ? ruleId.slice(RULE_PREFIX.length) : ruleId;
}

/** `ghp_… (40 chars)`: at most 4 leading characters, fewer for short values. */
export function maskSecret(value: string): string {
  const length = Array.from(value).length;
  const shown = length >= 16 ? 4 : length >= 8 ? 2 : 0;
  return `${Array.from(value).slice(0, shown).join('')}… (${length} chars)`;
}

/** True when an allowance covers `ruleId` (short or full id) in the project-relative `file`. */
export function isAllowed(file: string, ruleId: string, allow: readonly SecretAllowance[] = []): boolean {
  const short = shortRuleId(ruleId);
  return allow.some(
    (entry) =>
      (entry.rule === undefined || shortRuleId(entry.rule) === short) && matchesGlob(file, entry.path),
  );
}

/** True when every rule is allowed for `file`, so there is nothing to scan. */
function wholeFileAllowed(file: string, allow: readonly SecretAllowance[]): boolean {
  return allow.some((entry) => entry.rule === undefined && matchesGlob(file, entry.path));
}

interface Finding {
  start: number;
  end: number;
  ruleId: string;
  message: string;
}

/** The secrets in `text`, in order, minus the allowed ones. */
/**
 * The anchors of the preset-recommend rules (1password, anthropic, aws, azure, basicauth, database connection
 * strings, gcp, github, linear, npm, openai, privatekey, sendgrid, shopify, slack): a text matching none of
 * them cannot produce a secretlint finding. Keep in sync when the preset gains a rule.
 */
const MAY_HOLD_SECRET =
  /sk-|AKIA|ASIA|A3T|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|aws|azure|AccountKey|SharedAccess|DefaultEndpoints|:\/\/[^\s/@:]+:[^\s/@]*@|mongodb|postgres|mysql|jdbc|redis|passw|pwd|private_key|service_account|AIza|gh[pousr]_|github_pat_|lin_(api|oauth)_|npm_|_authToken|-----BEGIN|SG\.|shp(at|ca|pa|ss)_|xox[a-z]-|hooks\.slack\.com|ops_/i;

export async function scanText(text: string, options: ScanOptions): Promise<SecretHit[]> {
  const file = normalizeRelative(options.fileName);
  const allow = options.allow ?? [];
  if (text.length === 0 || wholeFileAllowed(file, allow)) return [];
  // secretlint drops a leading BOM and counts ranges without it; do the same so ranges match `text`.
  const content = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const offset = text.length - content.length;

  const findings: Finding[] = [];
  // secretlint costs up to hundreds of ms per call (and keeps working after it returns), which every tool
  // call would pay; text with none of its rules' anchors cannot match, so it is not asked.
  if (MAY_HOLD_SECRET.test(content)) {
    for (const finding of await lintFindings(content, file)) addUnlessOverlapping(findings, finding);
  }
  for (const rule of EXTRA_RULES) {
    for (const match of content.matchAll(rule.pattern)) {
      const start = match.index;
      addUnlessOverlapping(findings, {
        start,
        end: start + match[0].length,
        ruleId: rule.id,
        message: rule.message,
      });
    }
  }
  findings.sort((a, b) => a.start - b.start);

  const lineStarts = lineStartsOf(text);
  const hits: SecretHit[] = [];
  for (const finding of findings) {
    if (isAllowed(file, finding.ruleId, allow)) continue;
    const { line, column } = position(lineStarts, finding.start + offset);
    hits.push({
      file,
      line,
      column,
      ruleId: finding.ruleId,
      message: finding.message,
      masked: maskSecret(content.slice(finding.start, finding.end)),
    });
  }
  return hits;
}

async function lintFindings(content: string, file: string): Promise<Finding[]> {
  const { lint, config } = await loadEngine();
  // The gcp rule reads `.p12` files from disk by name; we scan text that may not be on disk yet.
  const ext = extensionOf(file);
  const result = await lint({
    source: { filePath: file, content, contentType: 'text', ext: ext === '.p12' ? '' : ext },
    options: { config, maskSecrets: true, noPhysicFilePath: true },
  });
  return result.messages.map((message) => ({
    start: message.range[0],
    end: message.range[1],
    ruleId: shortRuleId(message.ruleId),
    message: describe(message.message, message.messageId),
  }));
}

/** `found GitHub Token(****): ****` → `GitHub Token` (the masked message still says what was found). */
function describe(message: string, messageId: string): string {
  const match = /^found\s+(.+?)\s*(?:\(|:|$)/i.exec(message);
  const what = match?.[1]?.replace(/\*+/g, '').trim();
  return what !== undefined && what !== '' ? what : messageId;
}

function addUnlessOverlapping(findings: Finding[], finding: Finding): void {
  if (findings.some((other) => finding.start < other.end && other.start < finding.end)) return;
  findings.push(finding);
}

function extensionOf(file: string): string {
  const name = file.slice(file.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot) : '';
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) {
    starts.push(index + 1);
  }
  return starts;
}

/** 1-based line and column of a character index. */
export function position(lineStarts: readonly number[], index: number): { line: number; column: number } {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((lineStarts[middle] as number) <= index) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: index - (lineStarts[low] as number) + 1 };
}
