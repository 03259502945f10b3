/**
 * Reading the API failures Claude Code reports as text: "API Error: 529 {…}", "API Error: Request timed
 * out.", "Claude AI usage limit reached|1735689600", "You've hit your limit · resets 3pm (Europe/Berlin)".
 * Pure functions; the clock and the time zone are parameters.
 */

/** The HTTP status a message names, when it names one in a form we trust. */
export function statusFromText(text: string): number | undefined {
  const patterns = [
    /\bAPI Error:\s*(\d{3})\b/i,
    /\bHTTP(?:\/[\d.]+)?\s+(\d{3})\b/i,
    /\bstatus(?:[ _]?code)?["']?\s*[:=]?\s*(\d{3})\b/i,
    /\b(\d{3})\s+status code\b/i,
    /\bRepeated\s+(529)\b/i,
  ];
  for (const pattern of patterns) {
    const code = Number(pattern.exec(text)?.[1]);
    if (code >= 100 && code <= 599) return code;
  }
  return undefined;
}

/** Whether a message is a plan's usage limit (park until it resets), not a short-lived rate limit. */
export function isUsageLimitText(text: string): boolean {
  if (/not your usage limit/i.test(text)) return false;
  return (
    /usage limit reached/i.test(text) ||
    /\bhit your (?:[\w'-]+ ){0,3}limit\b/i.test(text) ||
    /\blimit reached\s*[·∙•|-]\s*resets\b/i.test(text) ||
    /\bout of (?:extra )?usage\b/i.test(text) ||
    /\bspend limit reached\b/i.test(text) ||
    /\busage limit\b[^.\n]*\bresets?\b/i.test(text)
  );
}

export interface ResetParseOptions {
  /** The time "now" for relative and time-only forms. */
  now: Date;
  /** IANA zone for times written without one; the machine's zone by default (as the CLI prints them). */
  timeZone?: string;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_MS = 86_400_000;

/**
 * When a usage limit resets, read from the CLI's message. Understands the epoch form
 * (`…usage limit reached|1735689600`, seconds or milliseconds), ISO timestamps, relative forms
 * (`resets in 2h 30m`, `try again in 45 minutes`) and the CLI's clock forms (`resets 3pm`,
 * `resets at 3:30pm (Europe/Berlin)`, `resets Dec 25, 3pm (UTC)`, `resets Jan 2, 2027, 9am`). A time-only
 * form means its next occurrence after `now`. Returns undefined when no form is recognised.
 */
export function parseUsageLimitReset(text: string, options: ResetParseOptions): Date | undefined {
  const now = options.now.getTime();

  const epoch = /\|\s*(\d{10}|\d{13})\b/.exec(text)?.[1];
  if (epoch !== undefined) {
    const value = Number(epoch);
    return new Date(epoch.length === 13 ? value : value * 1000);
  }

  const iso = /\b(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))/.exec(text)?.[1];
  if (iso !== undefined) {
    const parsed = Date.parse(iso);
    if (!Number.isNaN(parsed)) return new Date(parsed);
  }

  const relative = parseRelative(text);
  if (relative !== undefined) return new Date(now + relative);

  return parseClockForm(text, now, options.timeZone);
}

const RELATIVE = /\b(?:resets?|try again|retry)\s+in\s+(\d+\s*[a-z]+(?:\s*,?\s*(?:and\s+)?\d+\s*[a-z]+)*)/i;
const UNIT_MS: ReadonlyArray<[RegExp, number]> = [
  [/^(?:h|hr|hrs|hours?)$/, 3_600_000],
  [/^(?:m|min|mins|minutes?)$/, 60_000],
  [/^(?:s|sec|secs|seconds?)$/, 1000],
];

/** "resets in 2h 30m", "try again in 45 minutes", "retry in 1 hour" → milliseconds. */
function parseRelative(text: string): number | undefined {
  const amounts = RELATIVE.exec(text)?.[1];
  if (amounts === undefined) return undefined;
  let total = 0;
  for (const part of amounts.matchAll(/(\d+)\s*([a-z]+)/gi)) {
    const unit = (part[2] ?? '').toLowerCase();
    const ms = UNIT_MS.find(([pattern]) => pattern.test(unit))?.[1];
    if (ms === undefined) return undefined;
    total += Number(part[1]) * ms;
  }
  return total;
}

const CLOCK =
  /\bresets?\s+(?:at\s+|on\s+)?(?:(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:,\s*(\d{4}))?,?\s*(?:at\s+)?)?(?:(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?)?\s*(?:\(([^)]+)\))?/gi;

function parseClockForm(text: string, now: number, defaultZone: string | undefined): Date | undefined {
  // "reset" also appears in "connection reset by peer": try each occurrence until one reads as a time.
  for (const match of text.matchAll(CLOCK)) {
    const parsed = readClockMatch(match, now, defaultZone);
    if (parsed !== undefined) return parsed;
  }
  return undefined;
}

function readClockMatch(
  match: RegExpMatchArray,
  now: number,
  defaultZone: string | undefined,
): Date | undefined {
  const [, monthName, dayText, yearText, hourText, minuteText, meridiem, zoneText] = match;
  const hasDate = monthName !== undefined;
  // A bare number after "resets" is only a time with am/pm or minutes ("3pm", "15:00").
  const hasTime = hourText !== undefined && (meridiem !== undefined || minuteText !== undefined);
  if (!hasDate && !hasTime) return undefined;

  const timeZone = zoneText?.trim() ?? defaultZone ?? localTimeZone();
  if (!isValidTimeZone(timeZone)) return undefined;

  let hour = hasTime ? Number(hourText) : 0;
  const minute = hasTime && minuteText !== undefined ? Number(minuteText) : 0;
  if (meridiem !== undefined && hasTime) {
    if (hour < 1 || hour > 12) return undefined;
    const pm = meridiem.toLowerCase().startsWith('p');
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  if (hour > 23 || minute > 59) return undefined;

  const today = wallClock(now, timeZone);
  if (!hasDate) {
    let candidate = zonedToEpoch(today.year, today.month, today.day, hour, minute, timeZone);
    if (candidate <= now) {
      const tomorrow = new Date(Date.UTC(today.year, today.month - 1, today.day) + DAY_MS);
      candidate = zonedToEpoch(
        tomorrow.getUTCFullYear(),
        tomorrow.getUTCMonth() + 1,
        tomorrow.getUTCDate(),
        hour,
        minute,
        timeZone,
      );
    }
    return new Date(candidate);
  }

  const month = MONTHS.indexOf((monthName ?? '').slice(0, 3).toLowerCase()) + 1;
  const day = Number(dayText);
  if (month < 1 || day < 1 || day > 31) return undefined;
  if (yearText !== undefined) {
    return new Date(zonedToEpoch(Number(yearText), month, day, hour, minute, timeZone));
  }
  let candidate = zonedToEpoch(today.year, month, day, hour, minute, timeZone);
  // The CLI leaves the year out when it is this year; a date well in the past must be next year's.
  if (candidate < now - DAY_MS) candidate = zonedToEpoch(today.year + 1, month, day, hour, minute, timeZone);
  return new Date(candidate);
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(epochMs: number, timeZone: string): WallClock {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** How far the zone's wall clock is ahead of UTC at an instant. */
function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const wall = wallClock(epochMs, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** The instant at which the zone's wall clock shows the given date and time. */
export function zonedToEpoch(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): number {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  const first = asUtc - zoneOffsetMs(asUtc, timeZone);
  // Near a daylight-saving switch the offset at the answer can differ from the offset at the guess.
  const second = asUtc - zoneOffsetMs(first, timeZone);
  return second;
}

function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
