/**
 * Redaction for everything the harness writes (logs, events, reports): the values of secret-looking
 * environment variables become `[REDACTED:NAME]`, and well-known token shapes become `[REDACTED:kind]`.
 * Synchronous and fast: one combined regular expression, built once per redactor.
 */
import type { Env } from '../engine/env.js';
import { EXTRA_RULES } from '../guards/secrets/scan.js';
import type { EventLog } from '../state/events.js';

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

/** The scanner's own rule `id`: its pattern and id, for a row below. */
function scannerRule(id: string): { id: string; pattern: RegExp } {
  const rule = EXTRA_RULES.find((r) => r.id === id);
  if (rule === undefined) throw new Error(`the secrets scanner has no rule ${id}`);
  return rule;
}
const PRIVATE_KEY_HEADER_RULE = scannerRule('private-key-header');
const ANTHROPIC_TOKEN_RULE = scannerRule('anthropic-token');

/**
 * Token shapes redacted wherever they appear, env or not: the rules of the secrets scanner
 * (src/guards/secrets/scan.ts: secretlint's preset-recommend, and our own rules), as one regular expression
 * each. `rule` names the scanner's rule a row stands for; test/report/redact.test.ts checks that every rule of
 * the preset has a row and that each row redacts what the scanner finds. The shapes are a little looser than
 * the scanner's (a log line may cut a token short, and hiding too much is the safe side). Each has one
 * capture group: what to keep.
 */
export const SECRET_PATTERNS: readonly { kind: string; rule: readonly string[]; source: string }[] = [
  {
    kind: 'private-key',
    rule: ['privatekey', 'gcp', PRIVATE_KEY_HEADER_RULE.id],
    source:
      `()${PRIVATE_KEY_HEADER_RULE.pattern.source}` +
      // The whole block; when its end is missing (a cut log line), the base64 lines that follow.
      '(?:[\\s\\S]{0,20000}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|(?:(?:\\r?\\n|\\\\n)[ \\t]*[A-Za-z0-9+/=]{16,})*)',
  },
  // Anthropic API keys (preset) and OAuth / admin tokens (ours) alike.
  {
    kind: 'anthropic-key',
    rule: ['anthropic', ANTHROPIC_TOKEN_RULE.id],
    source: '()(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{16,}',
  },
  {
    kind: 'openai-key',
    rule: ['openai'],
    source:
      '()(?<![A-Za-z0-9_-])(?:sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})',
  },
  {
    kind: 'github-token',
    rule: ['github'],
    source: '()\\b(?:gh[pousr]_[A-Za-z0-9_]{30,}|github_pat_[A-Za-z0-9_]{30,})',
  },
  {
    kind: 'aws-key-id',
    rule: ['aws'],
    source: '()\\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|A3T[A-Z0-9])[A-Z0-9]{16}\\b',
  },
  // The preset's AWS secret access key: 40 characters after an `aws_secret_access_key`-like name.
  {
    kind: 'aws-secret-key',
    rule: ['aws'],
    source:
      '(\\b(?:AWS|aws|Aws)?_?(?:SECRET|secret|Secret)_?(?:ACCESS|access|Access)_?(?:KEY|key|Key)["\']?\\s*(?::|=>|=)\\s*["\']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])',
  },
  {
    kind: 'aws-account-id',
    rule: ['aws'],
    source:
      '(\\b(?:AWS|aws|Aws)?_?(?:ACCOUNT|account|Account)_?(?:ID|id|Id)?["\']?\\s*(?::|=>|=)\\s*["\']?)[0-9]{4}-?[0-9]{4}-?[0-9]{4}\\b',
  },
  {
    kind: 'slack-token',
    rule: ['slack'],
    source:
      '()\\b(?:xox[abposr]|xapp)-[A-Za-z0-9-]{10,}|()https://hooks\\.slack\\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+',
  },
  {
    kind: 'npm-token',
    rule: ['npm'],
    source: '()(?<![A-Za-z0-9_])npm_[A-Za-z0-9_]{30,}|(_authToken\\s*=\\s*)[^\\s$][^\\s]*',
  },
  { kind: 'linear-key', rule: ['linear'], source: '()(?<![A-Za-z0-9_])lin_(?:api|oauth)_[A-Za-z0-9_]{32,}' },
  { kind: 'sendgrid-key', rule: ['sendgrid'], source: '()\\bSG\\.[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}' },
  { kind: 'shopify-token', rule: ['shopify'], source: '()\\b(?:shppa|shpca|shpat|shpss)_[A-Za-z0-9]{32,64}' },
  { kind: '1password-token', rule: ['1password'], source: '()(?<![A-Za-z0-9_])ops_ey[A-Za-z0-9+/=]{40,}' },
  // The password of `scheme://user:password@host` (basic auth, database connection strings).
  {
    kind: 'url-password',
    rule: ['basicauth', 'database-connection-string'],
    source: '(\\b[A-Za-z][A-Za-z0-9+.-]*://[^\\s:/@]{1,256}:)[^\\s@/]{1,256}(?=@)',
  },
  { kind: 'bearer', rule: [], source: '(\\b[Bb]earer\\s+)[A-Za-z0-9\\-._~+/]{16,}=*' },
];

/**
 * A value next to a key-like name: `API_KEY=…`, `aws_secret_access_key = …`, `"password": "…"`, `token: …`,
 * `Authorization: Bearer …`, `--token=…`. Groups: the name and separator (kept), an auth scheme (kept), the
 * value, quoted or not. Whether the value is redacted is up to `looksSecret`. It starts at the key word, not
 * at the start of the name, so that a long run of letters costs no backtracking.
 */
const KEY_VALUE = new RegExp(
  '((?:secret|token|passw(?:or)?d|pwd|passphrase|credential|auth|api[_-]?key|access[_-]?key|private[_-]?key|key)' +
    '[A-Za-z0-9_.-]{0,40}["\']?\\s*(?:=>|:=|[:=])[ \\t]*)' +
    '((?:bearer|basic|token|digest|bot)[ \\t]+)?' +
    '("[^"\\s]*"|\'[^\'\\s]*\'|[^\\s"\',;(){}\\[\\]<>`]+)',
  'gi',
);
/** Words that contain a key word but name no secret (`author: …`, `tokenizer: …`, `keyboard: …`). */
const NOT_KEY_NAME =
  /^(?:author(?!i[sz]ation)|tokeniz|keyboard|keyword|keys?(?:tone|stroke|frame|path)|monkey)/i;

/** Shortest value that can count as a secret. */
const MIN_VALUE_LENGTH = 8;

/**
 * Whether `value` (unquoted) is likely a secret rather than an ordinary word, identifier, number, path or
 * placeholder: at least 8 characters; not made of letters and `._-/:~` only (a word, `process.env.X`, a
 * path) unless it is long, mixed-case and random-looking; not digits only; not a path or URL; no `${…}`,
 * `<…>`, `$VAR` placeholder; and an entropy of at least 2.5 bits per character (3 from 16 characters on).
 */
export function looksSecret(value: string): boolean {
  const n = value.length;
  if (n < MIN_VALUE_LENGTH || n > 4096) return false;
  if (value.startsWith('[REDACTED') || /^[$<%{]|\$\{|:\/\//.test(value)) return false;
  if (/^(?:~|\.{1,2})?\//.test(value) || /\/[^/]*\.[A-Za-z0-9]{1,8}$/.test(value)) return false;
  if (/^[0-9]+$/.test(value)) return false;
  const bits = entropy(value);
  if (/^[A-Za-z._/:~-]+$/.test(value)) {
    return n >= 20 && /[a-z]/.test(value) && /[A-Z]/.test(value) && !/[._/:~-]/.test(value) && bits >= 3.5;
  }
  return bits >= (n < 16 ? 2.5 : 3);
}

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** A JSON key that names a secret: its string value is judged like `KEY_VALUE`'s (see redactDeep). */
const SECRET_KEY_NAME =
  /secret|token|passw(?:or)?d|pwd|passphrase|credential|auth|api[_-]?key|access[_-]?key|private[_-]?key|key$/i;

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
    ...SECRET_PATTERNS.map((pattern) => pattern.source),
  ];
  const combined = new RegExp(alternatives.join('|'), 'g');
  // Where each pattern's capture groups start among the combined expression's groups.
  // Group 1 is the variables' values.
  const groupStart: number[] = [];
  let group = 2;
  for (const pattern of SECRET_PATTERNS) {
    groupStart.push(group);
    group += groupCount(pattern.source);
  }

  const replace = (match: string, ...groups: unknown[]): string => {
    if (groups[0] !== undefined) return `[REDACTED:${labels.get(match) ?? 'secret'}]`;
    for (let i = 0; i < SECRET_PATTERNS.length; i++) {
      const start = groupStart[i] as number;
      const end = i + 1 < groupStart.length ? (groupStart[i + 1] as number) : group;
      for (let g = start; g < end; g++) {
        const kept = groups[g - 1];
        if (typeof kept === 'string')
          return `${kept}[REDACTED:${(SECRET_PATTERNS[i] as { kind: string }).kind}]`;
      }
    }
    return '[REDACTED]';
  };
  const redactTokens = (text: string): string => text.replace(combined, replace);

  /** The label of a value judged secret next to a key name: its variable, its token kind, or `secret-value`. */
  const labelOf = (value: string, match: string): string =>
    labels.get(value) ?? /\[REDACTED:([^\]]+)\]/.exec(redactTokens(match))?.[1] ?? 'secret-value';
  const replaceKeyValue = (
    match: string,
    name: string,
    scheme: string | undefined,
    quotedValue: string,
  ): string => {
    if (NOT_KEY_NAME.test(name)) return match;
    const quote = quotedValue[0] === '"' || quotedValue[0] === "'" ? quotedValue[0] : '';
    const value = quote === '' ? quotedValue : quotedValue.slice(1, -1);
    if (!looksSecret(value)) return match;
    const label = labelOf(value, match);
    return `${name}${scheme ?? ''}${quote}[REDACTED:${label}]${quote}`;
  };

  return (text: string) => {
    if (text.length === 0) return text;
    return redactTokens(text.replace(KEY_VALUE, replaceKeyValue));
  };
}

/** How many capture groups a regular expression source has. */
function groupCount(source: string): number {
  return (new RegExp(`${source}|`).exec('') as RegExpExecArray).length - 1;
}

/**
 * `log`, with every record redacted before it is written (events.jsonl and, with --json, stdout): the one
 * place events pass, so no caller can forget it.
 */
export function redactEvents(log: EventLog, redact: Redactor): EventLog {
  return {
    path: log.path,
    read: () => log.read(),
    append: (record) => log.append(redactDeep(record, redact)),
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
  for (const [key, item] of Object.entries(value)) {
    // `{ "password": "…" }` as an object: the key says what its string value is.
    copy[key] =
      typeof item === 'string' && SECRET_KEY_NAME.test(key) && !NOT_KEY_NAME.test(key) && looksSecret(item)
        ? `[REDACTED:${key}]`
        : walk(item, redact, seen);
  }
  seen.delete(value);
  return copy;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
