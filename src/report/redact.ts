/**
 * Redaction for everything the harness writes (logs, events, reports): the values of secret-looking
 * environment variables become `[REDACTED:NAME]`, and well-known token shapes become `[REDACTED:kind]`.
 * Synchronous and fast: one combined regular expression, built once per redactor.
 */
import type { Env } from '../engine/env.js';

export type Redactor = (text: string) => string;

export interface RedactorOptions {
  /** Usually `process.env`; only names that look secret are used. */
  env: Env | NodeJS.ProcessEnv;
  /** More values to hide, by label: `{ WEBHOOK_URL: 'https://…' }` → `[REDACTED:WEBHOOK_URL]`. */
  extraSecrets?: Readonly<Record<string, string>>;
}

/** Names whose values are treated as secrets. */
export const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION/i;
/** Matches SECRET_NAME but holds no secret. */
const NOT_SECRET_NAME = /AUTHOR/i;
/** Shorter values are too likely to occur by chance (`true`, `1`, `default`). */
export const MIN_SECRET_LENGTH = 8;

/** Token shapes redacted wherever they appear, env or not. Each has one capture group: what to keep. */
const PATTERNS: readonly { kind: string; source: string }[] = [
  {
    kind: 'private-key',
    source:
      '()-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----' +
      // The whole block; when its end is missing (a cut log line), the base64 lines that follow.
      '(?:[\\s\\S]{0,20000}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|(?:(?:\\r?\\n|\\\\n)[ \\t]*[A-Za-z0-9+/=]{16,})*)',
  },
  { kind: 'anthropic-key', source: '()(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{16,}' },
  { kind: 'github-token', source: '()\\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})' },
  {
    kind: 'aws-key-id',
    source: '()\\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|A3T[A-Z0-9])[A-Z0-9]{16}\\b',
  },
  { kind: 'slack-token', source: '()\\bxox[abposr]-[A-Za-z0-9-]{10,}' },
  { kind: 'bearer', source: '(\\b[Bb]earer\\s+)[A-Za-z0-9\\-._~+/]{16,}=*' },
];

/** The secret-looking variables of `env`, as name → value (values of at least 8 characters). */
export function secretEnvValues(env: Env | NodeJS.ProcessEnv): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.length < MIN_SECRET_LENGTH) continue;
    if (!SECRET_NAME.test(name) || NOT_SECRET_NAME.test(name)) continue;
    found.set(name, value);
  }
  return found;
}

export function createRedactor(options: RedactorOptions): Redactor {
  // value → label; the first name wins when two variables hold the same value.
  const labels = new Map<string, string>();
  for (const [name, value] of secretEnvValues(options.env)) if (!labels.has(value)) labels.set(value, name);
  for (const [name, value] of Object.entries(options.extraSecrets ?? {})) {
    if (value.length > 0 && !labels.has(value)) labels.set(value, name);
  }
  // Longest first, so a value that contains another is replaced whole.
  const literals = [...labels.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const alternatives = [
    `(${literals.length > 0 ? literals.join('|') : '(?!)'})`,
    ...PATTERNS.map((pattern) => pattern.source),
  ];
  const combined = new RegExp(alternatives.join('|'), 'g');

  const replace = (match: string, ...groups: unknown[]): string => {
    if (groups[0] !== undefined) return `[REDACTED:${labels.get(match) ?? 'secret'}]`;
    for (let i = 0; i < PATTERNS.length; i++) {
      const kept = groups[i + 1];
      if (typeof kept === 'string') return `${kept}[REDACTED:${(PATTERNS[i] as { kind: string }).kind}]`;
    }
    return '[REDACTED]';
  };

  return (text: string) => {
    if (text.length === 0) return text;
    combined.lastIndex = 0;
    return text.replace(combined, replace);
  };
}

/**
 * A copy of a JSON-like value with every string redacted (object keys are kept). Arrays and plain objects
 * are copied; other values are returned as they are. A cycle is cut as `[Circular]`.
 */
export function redactDeep<T>(value: T, redact: Redactor): T {
  return walk(value, redact, new WeakSet()) as T;
}

function walk(value: unknown, redact: Redactor, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redact(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  if (Array.isArray(value)) {
    seen.add(value);
    const copy = value.map((item) => walk(item, redact, seen));
    seen.delete(value);
    return copy;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  seen.add(value);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = walk(item, redact, seen);
  seen.delete(value);
  return copy;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
