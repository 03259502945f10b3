/**
 * `claude-harness report`: one self-contained HTML file about a run — charts of features passing over
 * sessions, cost and tokens per session and per feature, time per feature, attempts and skips,
 * regressions, tamper and policy-denial events — and the feature table with its proof records.
 *
 * Self-contained means nothing is fetched when it is viewed: the CSS is inline, the charts are inline SVG
 * (charts.ts), there is no script at all, and a Content-Security-Policy forbids any network load. Every
 * string from the project (descriptions, reasons, commands) is escaped, and secrets are redacted.
 */
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import writeFileAtomic from 'write-file-atomic';
import type { CommandIO } from '../cli/io.js';
import { ExitCode } from '../errors/index.js';
import type { IdentifiedFeature } from '../ledger/feature-list.js';
import type { EventRecord } from '../state/events.js';
import { eventsPath, harnessDir } from '../state/paths.js';
import { openOwnProjectFile, readOwnProjectFile } from '../state/safe-fs.js';
import type { SessionOutcome } from '../state/schema.js';
import { PROOFS_FILE, PROOFS_VERSION } from '../verify/proof.js';
import { barChart, COLORS, escapeHtml, lineChart, stackedBarChart } from './charts.js';
import { usd, usdExact } from './cost.js';
import { createRedactor, type Redactor } from './redact.js';
import { formatDuration, loadProject, type ProjectSnapshot } from './status.js';
import { cleanTerminalText } from './terminal-text.js';

export const REPORT_FILE = 'report.html';

/** Event types the report reads; the others (tool calls and results, most of the log) are not parsed. */
const REPORT_EVENT_TYPES = new Set([
  'run_start',
  'run_end',
  'session_start',
  'session_end',
  'feature_passed',
  'feature_skipped',
  'features_reset',
  'tamper',
  'policy_denial',
  'regression',
  'checkpoint',
  'checkpoint_blocked',
  'budget_stop',
]);

/** One proof record: the test run that showed a feature passing (`.claude-harness/proofs.json`). */
export interface ProofRecord {
  command?: string;
  /** The test runner the command was recognised as (`vitest`, `jest`, `node`, …). */
  runner?: string;
  /** The test files the command ran, project-relative. */
  files?: string[];
  exitCode?: number;
  durationMs?: number;
  /** Test counts, e.g. `{ passed: 12, failed: 0 }`. */
  counts?: Record<string, number>;
  /** HEAD when the proof was taken; `null` when there was no commit. */
  commit?: string | null;
  /** The work tree had uncommitted changes: the proof is of HEAD plus those. */
  dirty?: boolean;
  /** The end of the command's output (redacted when recorded; redacted again when shown). */
  outputTail?: string;
  at?: string;
}

export interface ReportData {
  snapshot: ProjectSnapshot;
  events: EventRecord[];
  proofs: Record<string, ProofRecord>;
  /** Why proofs.json was not used, when it exists but could not be read. */
  proofsProblem: string | undefined;
  /** proofs.json could not be read and its last good copy is shown (what the next run restores). */
  proofsNote?: string | undefined;
}

export async function collectReportData(projectDir: string): Promise<ReportData> {
  const snapshot = await loadProject(projectDir);
  const [events, proofs] = await Promise.all([
    readReportEvents(snapshot.projectDir),
    readProofs(snapshot.projectDir),
  ]);
  return { snapshot, events, ...proofs };
}

/** The events the report uses, streamed line by line so a large log is never held whole. */
export async function readReportEvents(projectDir: string): Promise<EventRecord[]> {
  const events: EventRecord[] = [];
  // Never through a link: the file is opened with O_NOFOLLOW, and a link shows no events.
  const opened = openOwnProjectFile(projectDir, eventsPath(projectDir));
  if (opened.kind !== 'ok') return events;
  const stream = createReadStream('', { fd: opened.fd, encoding: 'utf8', autoClose: true });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    // Records start `{"v":1,"at":"…","type":"…"`: read the type before parsing the whole line.
    const type = /"type":"([a-z_]+)"/.exec(line.slice(0, 120))?.[1];
    if (type === undefined || !REPORT_EVENT_TYPES.has(type)) continue;
    try {
      const record = JSON.parse(line) as EventRecord;
      if (typeof record === 'object' && record !== null && record.type === type) events.push(record);
    } catch {
      // A line torn by a crash.
    }
  }
  return events;
}

/**
 * The latest proof of each feature from `.claude-harness/proofs.json`, as src/verify/proof.ts writes it:
 * `{ version: 1, latest: { [featureId]: { command, runner, files, exitCode, durationMs, counts, commit,
 * dirty, outputTail, at } }, history }`. Read leniently: a record with a bad field still shows its other
 * fields. Absent: no proofs. Unreadable, newer, or not that shape: no proofs and a note in the report.
 */
export async function readProofs(projectDir: string): Promise<{
  proofs: Record<string, ProofRecord>;
  proofsProblem: string | undefined;
  proofsNote?: string | undefined;
}> {
  const path = join(harnessDir(projectDir), PROOFS_FILE);
  const main = parseProofs(readOwn(projectDir, path));
  if (main.proofsProblem === undefined || main.newer) {
    return { proofs: main.proofs, proofsProblem: main.proofsProblem };
  }
  // What the next run restores (src/verify/proof.ts): the last good copy.
  const copy = parseProofs(readOwn(projectDir, `${path}.last-good`));
  if (copy.proofsProblem !== undefined || Object.keys(copy.proofs).length === 0) return main;
  return {
    proofs: copy.proofs,
    proofsProblem: undefined,
    proofsNote: `${main.proofsProblem}; showing its last good copy, which the next run restores`,
  };
}

/** A record's text, never through a link (nothing is changed: a link stays, refused with a reason). */
function readOwn(projectDir: string, path: string): { text: string } | { problem: string } | undefined {
  const read = readOwnProjectFile(projectDir, path, 256 * 1024 * 1024);
  if (read.kind === 'missing') return undefined;
  if (read.kind === 'refused') return { problem: read.reason };
  return { text: read.bytes.toString('utf8') };
}

function parseProofs(read: { text: string } | { problem: string } | undefined): {
  proofs: Record<string, ProofRecord>;
  proofsProblem: string | undefined;
  /** Written by a newer claude-harness: never shown from an older copy. */
  newer?: boolean;
} {
  if (read === undefined) return { proofs: {}, proofsProblem: undefined };
  if ('problem' in read) return { proofs: {}, proofsProblem: read.problem };
  const text = read.text;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { proofs: {}, proofsProblem: `${PROOFS_FILE} is not valid JSON` };
  }
  const file =
    typeof data === 'object' && data !== null ? (data as { version?: unknown; latest?: unknown }) : {};
  if (typeof file.version === 'number' && file.version > PROOFS_VERSION) {
    return {
      proofs: {},
      proofsProblem: `${PROOFS_FILE} is from a newer claude-harness (version ${file.version})`,
      newer: true,
    };
  }
  const table = file.latest;
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    return { proofs: {}, proofsProblem: `${PROOFS_FILE} has no "latest" object` };
  }
  const proofs: Record<string, ProofRecord> = {};
  for (const [id, value] of Object.entries(table)) {
    if (typeof value !== 'object' || value === null) continue;
    const v = value as Record<string, unknown>;
    const proof: ProofRecord = {};
    if (typeof v.command === 'string') proof.command = v.command;
    if (typeof v.runner === 'string') proof.runner = v.runner;
    if (Array.isArray(v.files)) proof.files = v.files.filter((f): f is string => typeof f === 'string');
    if (typeof v.exitCode === 'number') proof.exitCode = v.exitCode;
    if (typeof v.durationMs === 'number') proof.durationMs = v.durationMs;
    if (typeof v.commit === 'string' || v.commit === null) proof.commit = v.commit;
    if (typeof v.dirty === 'boolean') proof.dirty = v.dirty;
    if (typeof v.outputTail === 'string') proof.outputTail = v.outputTail;
    if (typeof v.at === 'string') proof.at = v.at;
    if (typeof v.counts === 'object' && v.counts !== null) {
      const counts = Object.entries(v.counts).filter((e): e is [string, number] => typeof e[1] === 'number');
      if (counts.length > 0) proof.counts = Object.fromEntries(counts);
    }
    proofs[id] = proof;
  }
  return { proofs, proofsProblem: undefined };
}

// ---------------------------------------------------------------------------------------------------------
// What the charts show

export interface SessionRow {
  number: number;
  kind: 'initializer' | 'coding';
  featureId: string | undefined;
  outcome: SessionOutcome;
  reason: string | undefined;
  startedAt: string;
  durationMs: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  turns: number;
  toolCalls: number | undefined;
  denials: number;
  tamper: number;
  regressions: number;
  /** Features passing after this session. */
  passingAfter: number;
}

export interface FeatureRow {
  feature: IdentifiedFeature;
  status: 'passing' | 'skipped' | 'failing' | 'pending';
  attempts: number;
  sessions: number;
  costUsd: number;
  /** Tokens of the feature's sessions. */
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
  skipReason: string | undefined;
  regressions: number;
  proof: ProofRecord | undefined;
}

export interface NotableEvent {
  at: string;
  type: 'policy_denial' | 'tamper' | 'regression' | 'checkpoint_blocked' | 'budget_stop';
  session: number | undefined;
  featureId: string | undefined;
  text: string;
}

export interface ReportModel {
  sessions: SessionRow[];
  features: FeatureRow[];
  notable: NotableEvent[];
  denialsByRule: { guard: string; rule: string; count: number }[];
}

/** Pure: the rows and series of the report from what was read. */
export function buildReportModel(data: ReportData, now: Date): ReportModel {
  const { state, features } = data.snapshot;
  // A session still `running` counts up to the last recorded activity, not to now: when its harness died
  // long ago, now would inflate its time.
  const lastActivityMs = Math.max(
    Date.parse(data.events.at(-1)?.at ?? ''),
    ...state.sessions.map((s) => Date.parse(s.endedAt ?? s.startedAt)),
    Number.NEGATIVE_INFINITY,
  );
  const untilMs = Number.isFinite(lastActivityMs) ? Math.min(lastActivityMs, now.getTime()) : now.getTime();

  // Events without a session number happen inside the session that is open when they are written.
  const perSession = new Map<
    number,
    { toolCalls?: number; denials: number; tamper: number; regressions: Set<string> }
  >();
  const bucket = (n: number) => {
    let b = perSession.get(n);
    if (b === undefined) {
      b = { denials: 0, tamper: 0, regressions: new Set() };
      perSession.set(n, b);
    }
    return b;
  };
  const notable: NotableEvent[] = [];
  const rules = new Map<string, { guard: string; rule: string; count: number }>();
  let open: number | undefined;
  for (const e of data.events) {
    const session = typeof e.session === 'number' ? e.session : open;
    const featureId = typeof e.featureId === 'string' ? e.featureId : undefined;
    switch (e.type) {
      case 'session_start':
        open = session;
        break;
      case 'session_end':
        if (session !== undefined && typeof e.toolCalls === 'number') bucket(session).toolCalls = e.toolCalls;
        open = undefined;
        break;
      case 'run_end':
        open = undefined;
        break;
      case 'policy_denial': {
        if (session !== undefined) bucket(session).denials++;
        const guard = str(e.guard) || 'guard';
        const rule = str(e.rule) || 'rule';
        const key = `${guard}\u0000${rule}`;
        const entry = rules.get(key) ?? { guard, rule, count: 0 };
        entry.count++;
        rules.set(key, entry);
        notable.push({
          at: e.at,
          type: 'policy_denial',
          session,
          featureId,
          text: `${guard}/${rule} refused ${str(e.tool)}: ${str(e.reason)}`,
        });
        break;
      }
      case 'tamper': {
        if (session !== undefined) bucket(session).tamper++;
        const changes = Array.isArray(e.changes) ? e.changes.map(String).join('; ') : '';
        notable.push({
          at: e.at,
          type: 'tamper',
          session,
          featureId,
          text: `feature list changes undone: ${changes}`,
        });
        break;
      }
      case 'regression':
        if (session !== undefined && featureId !== undefined) bucket(session).regressions.add(featureId);
        notable.push({
          at: e.at,
          type: 'regression',
          session,
          featureId,
          text: `${featureId ?? 'a feature'} no longer passes${str(e.reason) ? `: ${str(e.reason)}` : ''}`,
        });
        break;
      case 'checkpoint_blocked':
        notable.push({
          at: e.at,
          type: 'checkpoint_blocked',
          session,
          featureId,
          text: `checkpoint not committed, secrets in the changes: ${str(e.hits)}`,
        });
        break;
      case 'budget_stop':
        notable.push({
          at: e.at,
          type: 'budget_stop',
          session,
          featureId,
          text: `--${str(e.limit)}: ${str(e.reason)}`,
        });
        break;
      default:
        break;
    }
  }

  // Features passing over sessions: those passing that no session is known to have passed were passing
  // from the start (or were passed outside the harness); each passed coding session adds its feature, a
  // regression takes it away again.
  const passedInSession = new Set(
    state.sessions.filter((s) => s.kind === 'coding' && s.outcome === 'passed').map((s) => s.featureId),
  );
  const passing = new Set(features.filter((f) => f.passes && !passedInSession.has(f.id)).map((f) => f.id));
  const sessions: SessionRow[] = state.sessions.map((s) => {
    const b = perSession.get(s.number);
    for (const id of b?.regressions ?? []) passing.delete(id);
    if (s.kind === 'coding' && s.outcome === 'passed' && s.featureId !== undefined) passing.add(s.featureId);
    const start = Date.parse(s.startedAt);
    const end = s.endedAt === undefined ? untilMs : Date.parse(s.endedAt);
    return {
      number: s.number,
      kind: s.kind,
      featureId: s.featureId,
      outcome: s.outcome,
      reason: s.reason,
      startedAt: s.startedAt,
      durationMs: Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : 0,
      costUsd: s.costUsd,
      inputTokens: s.tokens.input,
      outputTokens: s.tokens.output,
      turns: s.turns,
      toolCalls: b?.toolCalls,
      denials: b?.denials ?? 0,
      tamper: b?.tamper ?? 0,
      regressions: b?.regressions.size ?? 0,
      passingAfter: passing.size,
    };
  });

  const regressionsByFeature = new Map<string, number>();
  for (const e of notable) {
    if (e.type === 'regression' && e.featureId !== undefined) {
      regressionsByFeature.set(e.featureId, (regressionsByFeature.get(e.featureId) ?? 0) + 1);
    }
  }
  const featureRows: FeatureRow[] = features.map((feature) => {
    const record = state.features[feature.id];
    const own = sessions.filter((s) => s.featureId === feature.id);
    const status: FeatureRow['status'] = feature.passes
      ? 'passing'
      : record?.skipped
        ? 'skipped'
        : (record?.attempts.length ?? 0) > 0
          ? 'failing'
          : 'pending';
    return {
      feature,
      status,
      attempts: record?.attempts.length ?? 0,
      sessions: own.length,
      costUsd: own.reduce((sum, s) => sum + s.costUsd, 0),
      inputTokens: own.reduce((sum, s) => sum + s.inputTokens, 0),
      outputTokens: own.reduce((sum, s) => sum + s.outputTokens, 0),
      durationMs: own.reduce((sum, s) => sum + s.durationMs, 0),
      skipReason: record?.skipped?.reason,
      regressions: regressionsByFeature.get(feature.id) ?? 0,
      proof: data.proofs[feature.id],
    };
  });

  return {
    sessions,
    features: featureRows,
    notable,
    denialsByRule: [...rules.values()].sort((a, b) => b.count - a.count),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Rendering

/** An exact count with thousands separators, as `status` prints tokens: `12,345`. */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? value.toLocaleString('en-US') : '∞';
}

export interface RenderOptions {
  now?: Date;
  /** Applied to every string from the project before it is escaped; identity by default. */
  redact?: Redactor;
}

const OUTCOME_COLOR: Record<SessionOutcome, string> = {
  passed: COLORS.passed,
  failed: COLORS.failed,
  aborted: COLORS.aborted,
  timeout: COLORS.timeout,
  'api-error': COLORS.apiError,
  interrupted: COLORS.interrupted,
  running: COLORS.running,
};
const STATUS_COLOR: Record<FeatureRow['status'], string> = {
  passing: COLORS.passed,
  skipped: COLORS.skipped,
  failing: COLORS.failed,
  pending: COLORS.pending,
};

/** The chart ids of the report, in page order. */
export const REPORT_CHARTS = [
  'passing-over-sessions',
  'cost-per-session',
  'tokens-per-session',
  'events-per-session',
  'cost-per-feature',
  'tokens-per-feature',
  'time-per-feature',
  'attempts-per-feature',
] as const;

export function renderReport(data: ReportData, options: RenderOptions = {}): string {
  const now = options.now ?? new Date();
  const r = options.redact ?? ((text: string) => text);
  const t = (text: string) => escapeHtml(cleanTerminalText(r(text)));
  const model = buildReportModel(data, now);
  const { state, features, projectDir } = data.snapshot;
  const tried = model.features.filter((f) => f.sessions > 0);
  const count = (status: FeatureRow['status']) => model.features.filter((f) => f.status === status).length;
  const sessionLabel = (s: SessionRow) => `#${s.number}${s.featureId ? ` ${s.featureId}` : ''}`;
  const usdFormat = (v: number) => (v === 0 ? '$0' : usd(v));

  const charts = [
    lineChart({
      id: 'passing-over-sessions',
      integer: true,
      title: 'Features passing over sessions',
      yLabel: 'features',
      xLabel: 'session',
      yMax: features.length,
      points: model.sessions.map((s) => ({
        x: s.number,
        y: s.passingAfter,
        title: `after session ${s.number}: ${s.passingAfter} of ${features.length} passing`,
      })),
    }),
    barChart({
      id: 'cost-per-session',
      title: 'Cost per session (colour: outcome)',
      yLabel: 'USD',
      format: usdFormat,
      bars: model.sessions.map((s) => ({
        label: sessionLabel(s),
        value: s.costUsd,
        color: OUTCOME_COLOR[s.outcome],
        title: `session ${s.number} (${s.kind}${s.featureId ? ` ${s.featureId}` : ''}, ${s.outcome}): ${usdExact(s.costUsd)}`,
      })),
    }),
    tokensChart(
      'tokens-per-session',
      'Tokens per session',
      model.sessions.map((s) => ({ ...s, label: sessionLabel(s) })),
    ),
    stackedBarChart({
      id: 'events-per-session',
      integer: true,
      title: 'Policy denials, tamper and regressions per session',
      yLabel: 'events',
      series: [
        { key: 'denial', label: 'policy denials', color: COLORS.denial },
        { key: 'tamper', label: 'tamper', color: COLORS.tamper },
        { key: 'regression', label: 'regressions', color: COLORS.regression },
      ],
      bars: model.sessions.map((s) => ({
        label: sessionLabel(s),
        segments: [
          { series: 'denial', value: s.denials },
          { series: 'tamper', value: s.tamper },
          { series: 'regression', value: s.regressions },
        ],
      })),
    }),
    barChart({
      id: 'cost-per-feature',
      title: 'Cost per feature (colour: status)',
      yLabel: 'USD',
      format: usdFormat,
      bars: tried.map((f) => ({
        label: f.feature.id,
        value: f.costUsd,
        color: STATUS_COLOR[f.status],
        title: `${f.feature.id} (${f.status}): ${usdExact(f.costUsd)} over ${f.sessions} session${f.sessions === 1 ? '' : 's'}`,
      })),
    }),
    tokensChart(
      'tokens-per-feature',
      'Tokens per feature (in its sessions)',
      tried.map((f) => ({ ...f, label: f.feature.id })),
    ),
    barChart({
      id: 'time-per-feature',
      title: 'Time per feature (minutes in its sessions)',
      yLabel: 'minutes',
      bars: tried.map((f) => ({
        label: f.feature.id,
        value: f.durationMs / 60_000,
        color: STATUS_COLOR[f.status],
        title: `${f.feature.id} (${f.status}): ${formatDuration(f.durationMs)}`,
      })),
    }),
    barChart({
      id: 'attempts-per-feature',
      integer: true,
      title: 'Attempts per feature (red: skipped)',
      yLabel: 'attempts',
      bars: tried.map((f) => ({
        label: f.feature.id,
        value: f.attempts,
        color: STATUS_COLOR[f.status],
        title: `${f.feature.id} (${f.status}): ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}${f.skipReason ? ` · skipped: ${r(f.skipReason)}` : ''}`,
      })),
    }),
  ];

  const totalMs = model.sessions.reduce((sum, s) => sum + s.durationMs, 0);
  const cards: [string, string][] = [
    ['Features passing', `${count('passing')} / ${features.length}`],
    ['Skipped', String(count('skipped'))],
    ['Failing', String(count('failing'))],
    ['Not tried', String(count('pending'))],
    ['Sessions', String(state.sessions.length)],
    ['Cost', usdExact(state.totals.costUsd)],
    [
      'Tokens in / out',
      `${formatCount(state.totals.inputTokens)} / ${formatCount(state.totals.outputTokens)}`,
    ],
    ['Time in sessions', formatDuration(totalMs)],
    ['Policy denials', String(model.notable.filter((e) => e.type === 'policy_denial').length)],
    ['Tamper events', String(model.notable.filter((e) => e.type === 'tamper').length)],
    ['Regressions', String(model.notable.filter((e) => e.type === 'regression').length)],
  ];

  const run = state.run;
  const subtitle = run
    ? `mode ${run.mode} · model ${run.model} · first started ${run.startedAt} · ${run.starts} start${run.starts === 1 ? '' : 's'}`
    : 'no run started yet';
  const notes: string[] = [];
  if (data.snapshot.listProblem) notes.push(data.snapshot.listProblem);
  if (data.snapshot.stateProblem) notes.push(data.snapshot.stateProblem);
  if (data.proofsProblem) notes.push(`${data.proofsProblem}: proof records are not shown`);
  if (data.proofsNote) notes.push(data.proofsNote);

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="claude-harness">
<title>claude-harness report · ${t(projectDir)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>claude-harness report</h1>
<p class="project">${t(projectDir)}</p>
<p class="sub">${t(subtitle)} · generated ${escapeHtml(now.toISOString())}</p>
${notes.map((n) => `<p class="note">${t(n)}</p>`).join('\n')}
</header>
<section class="cards">
${cards.map(([k, v]) => `<div class="card"><div class="k">${escapeHtml(k)}</div><div class="v">${escapeHtml(v)}</div></div>`).join('\n')}
</section>
<section class="charts">
${charts.map((c) => `<figure>${c}</figure>`).join('\n')}
</section>
${denialsTable(model, t)}
${notableTable(model, t)}
${featureTable(model, t, r)}
${sessionTable(model, t)}
<footer>Self-contained: no scripts, nothing loaded from the network. Hover a bar or a point for its exact value.</footer>
</body>
</html>
`;
}

type Text = (text: string) => string;

/** Input and output tokens stacked, one bar per item (a session, a feature). */
function tokensChart(
  id: string,
  title: string,
  items: readonly { label: string; inputTokens: number; outputTokens: number }[],
): string {
  return stackedBarChart({
    id,
    title,
    yLabel: 'tokens',
    tooltipFormat: formatCount,
    series: [
      { key: 'input', label: 'input', color: COLORS.input },
      { key: 'output', label: 'output', color: COLORS.output },
    ],
    bars: items.map((item) => ({
      label: item.label,
      segments: [
        { series: 'input', value: item.inputTokens },
        { series: 'output', value: item.outputTokens },
      ],
    })),
  });
}

function denialsTable(model: ReportModel, t: Text): string {
  if (model.denialsByRule.length === 0) return '';
  const rows = model.denialsByRule
    .map((d) => `<tr><td>${t(d.guard)}</td><td>${t(d.rule)}</td><td class="num">${d.count}</td></tr>`)
    .join('\n');
  return `<section><h2>Policy denials by rule</h2>
<table class="denials"><thead><tr><th>Guard</th><th>Rule</th><th>Denials</th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
}

const NOTABLE_SHOWN = 500;

function notableTable(model: ReportModel, t: Text): string {
  if (model.notable.length === 0) return '';
  const shown = model.notable.slice(-NOTABLE_SHOWN);
  const rows = shown
    .map(
      (e) =>
        `<tr class="ev ${e.type}"><td>${t(e.at)}</td><td>${t(e.type.replace('_', ' '))}</td><td class="num">${e.session ?? ''}</td><td>${t(e.featureId ?? '')}</td><td>${t(e.text)}</td></tr>`,
    )
    .join('\n');
  const more =
    model.notable.length > shown.length
      ? `<p class="note">The latest ${shown.length} of ${model.notable.length} events; the rest are in .claude-harness/events.jsonl.</p>`
      : '';
  return `<section><h2>Denials, tamper, regressions and stops</h2>${more}
<table class="events"><thead><tr><th>Time</th><th>Event</th><th>Session</th><th>Feature</th><th>What</th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
}

/** Test files listed in a proof cell; the rest are counted. */
const FILES_SHOWN = 20;
/** The end of a proof's output shown in the report, in characters (the harness keeps 4,000). */
export const OUTPUT_TAIL_SHOWN = 2000;

/** The proof columns of the feature table, after the feature's own. */
const PROOF_HEADERS = [
  'Proof command',
  'Runner',
  'Test files',
  'Exit',
  'Took',
  'Counts',
  'Commit',
  'Tree',
  'Proved at',
  'Output',
];

function featureTable(model: ReportModel, t: Text, r: Redactor): string {
  if (model.features.length === 0) return '<section><h2>Features</h2><p>No feature list yet.</p></section>';
  const rows = model.features
    .map((f) => {
      const proof = f.proof
        ? proofCells(f.proof, t, r)
        : `<td colspan="${PROOF_HEADERS.length}" class="none">—</td>`;
      const reason = f.skipReason ? `<div class="reason">${t(f.skipReason)}</div>` : '';
      return `<tr class="feature ${f.status}" data-feature="${t(f.feature.id)}"><td>${t(f.feature.id)}</td><td>${t(f.feature.description)}${reason}</td><td>${t(f.feature.category)}</td><td><span class="status ${f.status}">${f.status}</span></td><td class="num">${f.attempts}</td><td class="num" data-usd="${f.costUsd}">${escapeHtml(usdExact(f.costUsd))}</td><td class="num">${escapeHtml(formatCount(f.inputTokens))}</td><td class="num">${escapeHtml(formatCount(f.outputTokens))}</td><td class="num">${escapeHtml(formatDuration(f.durationMs))}</td><td class="num">${f.regressions || ''}</td>${proof}</tr>`;
    })
    .join('\n');
  const headers = [
    'Id',
    'Description',
    'Category',
    'Status',
    'Attempts',
    'Cost',
    'Tokens in',
    'Tokens out',
    'Time',
    'Regr.',
  ];
  return `<section><h2>Features</h2>
<div class="scroll"><table class="features"><thead><tr>${headers.map((h) => `<th>${h}</th>`).join('')}${PROOF_HEADERS.map((h) => `<th class="proof">${h}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table></div></section>`;
}

/** The proof columns of one feature: every field of its latest proof record. */
function proofCells(p: ProofRecord, t: Text, r: Redactor): string {
  const files = p.files ?? [];
  const filesCell =
    files.length === 0
      ? ''
      : `<ul class="files">${files
          .slice(0, FILES_SHOWN)
          .map((file) => `<li><code>${t(file)}</code></li>`)
          .join(
            '',
          )}${files.length > FILES_SHOWN ? `<li class="more">… ${files.length - FILES_SHOWN} more</li>` : ''}</ul>`;
  const counts = Object.entries(p.counts ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const commit =
    p.commit === null
      ? '<span class="none">no commit</span>'
      : p.commit === undefined
        ? ''
        : `<code title="${t(p.commit)}">${t(p.commit.slice(0, 10))}</code>`;
  const tree =
    p.dirty === undefined
      ? ''
      : p.dirty
        ? '<span class="dirty" title="uncommitted changes: the proof is of the commit plus those">dirty</span>'
        : 'clean';
  return [
    `<td><code>${t(p.command ?? '')}</code></td>`,
    `<td>${t(p.runner ?? '')}</td>`,
    `<td>${filesCell}</td>`,
    `<td class="num">${p.exitCode ?? ''}</td>`,
    `<td class="num">${p.durationMs === undefined ? '' : escapeHtml(formatDuration(p.durationMs))}</td>`,
    `<td>${t(counts)}</td>`,
    `<td class="commit">${commit}</td>`,
    `<td>${tree}</td>`,
    `<td>${t(p.at ?? '')}</td>`,
    `<td>${outputTail(p.outputTail, r)}</td>`,
  ].join('');
}

/**
 * A proof's output tail in a collapsed `<details>`: redacted (before it is cut, so a secret is never cut
 * in two), cleaned of terminal control sequences (`cleanTerminalText`), the last OUTPUT_TAIL_SHOWN characters, escaped.
 * Line feeds are written `&#10;`: each table row stays one line of the file.
 */
function outputTail(text: string | undefined, r: Redactor): string {
  if (text === undefined) return '';
  const clean = cleanTerminalText(r(text));
  if (clean.trim() === '') return '<span class="none">no output</span>';
  let shown = clean;
  let cut = '';
  if (clean.length > OUTPUT_TAIL_SHOWN) {
    shown = clean.slice(-OUTPUT_TAIL_SHOWN);
    // Start on a whole line when one begins near the cut.
    const newline = shown.indexOf('\n');
    if (newline !== -1 && newline < 200) shown = shown.slice(newline + 1);
    cut = `, last ${formatCount(shown.length)} of ${formatCount(clean.length)} characters`;
  }
  const lines = shown.replace(/\n$/, '').split('\n').length;
  return `<details class="tail"><summary>${lines} line${lines === 1 ? '' : 's'}${cut}</summary><pre>${escapeHtml(shown).replace(/\n/g, '&#10;')}</pre></details>`;
}

function sessionTable(model: ReportModel, t: Text): string {
  if (model.sessions.length === 0) return '';
  const rows = model.sessions
    .map(
      (s) =>
        `<tr class="session ${s.outcome}"><td class="num">${s.number}</td><td>${s.kind}</td><td>${t(s.featureId ?? '')}</td><td><span class="status ${s.outcome}">${s.outcome}</span>${s.reason ? `<div class="reason">${t(s.reason)}</div>` : ''}</td><td>${t(s.startedAt)}</td><td class="num">${escapeHtml(formatDuration(s.durationMs))}</td><td class="num">${s.turns}</td><td class="num">${s.toolCalls ?? ''}</td><td class="num">${escapeHtml(formatCount(s.inputTokens))}</td><td class="num">${escapeHtml(formatCount(s.outputTokens))}</td><td class="num" data-usd="${s.costUsd}">${escapeHtml(usdExact(s.costUsd))}</td></tr>`,
    )
    .join('\n');
  return `<section><h2>Sessions</h2>
<table class="sessions"><thead><tr><th>#</th><th>Kind</th><th>Feature</th><th>Outcome</th><th>Started</th><th>Time</th><th>Turns</th><th>Tool calls</th><th>Tokens in</th><th>Tokens out</th><th>Cost</th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
}

const STYLE = `
:root{color-scheme:light;--fg:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
h1{margin:0 0 4px;font-size:22px}h2{font-size:17px;margin:28px 0 8px}
.project{margin:0;font-family:ui-monospace,monospace;color:var(--muted)}.sub{margin:2px 0 0;color:var(--muted)}
.note{background:#fef3c7;border:1px solid #fcd34d;padding:6px 10px;border-radius:6px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:18px 0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.card .k{color:var(--muted);font-size:12px}.card .v{font-size:20px;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:14px}
figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px}
svg.chart{display:block;height:auto}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line);font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f1f5f9;position:sticky;top:0}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.none,span.none{color:var(--muted)}
.scroll{overflow-x:auto}table.features{min-width:1800px}table.features th.proof{background:#e8eef6}
table.features td:nth-child(2){min-width:14em}table.features td:nth-child(11){min-width:16em}table.features td:nth-child(13){min-width:14em}
table.features code{word-break:normal;overflow-wrap:anywhere}
ul.files{margin:0;padding:0;list-style:none}ul.files .more{color:var(--muted);font-size:12px}
.dirty{color:#92400e;font-weight:600}
details.tail summary{cursor:pointer;color:var(--muted);white-space:nowrap}
td.commit code{white-space:nowrap}
details.tail pre{margin:4px 0 0;width:min(72ch,70vw);max-height:24em;overflow:auto;background:#0f172a;color:#e2e8f0;padding:6px 8px;border-radius:6px;font-size:12px;white-space:pre-wrap;word-break:break-all}.reason{color:var(--muted);font-size:12px;white-space:pre-wrap}
code{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
.status{display:inline-block;padding:0 6px;border-radius:9px;font-size:12px;background:#e2e8f0}
.status.passing,.status.passed{background:#dcfce7;color:#166534}.status.skipped{background:#fee2e2;color:#991b1b}
.status.failing,.status.failed,.status.aborted,.status.timeout{background:#fef3c7;color:#92400e}
.status.api-error{background:#ede9fe;color:#5b21b6}.status.running{background:#e0f2fe;color:#075985}
footer{margin-top:28px;color:var(--muted);font-size:12px}
`;

// ---------------------------------------------------------------------------------------------------------
// The command

export interface ReportCommandOptions {
  projectDir: string;
  /** Where to write; `.claude-harness/report.html` in the project by default. */
  out?: string;
}

export async function runReportCommand(opts: ReportCommandOptions, io: CommandIO): Promise<number> {
  const data = await collectReportData(resolve(io.cwd, opts.projectDir));
  const html = renderReport(data, { redact: createRedactor({ env: io.env }) });
  const out =
    opts.out === undefined
      ? join(harnessDir(data.snapshot.projectDir), REPORT_FILE)
      : resolve(io.cwd, opts.out);
  await mkdir(dirname(out), { recursive: true });
  await writeFileAtomic(out, html);
  const { features, state } = data.snapshot;
  io.out.write(
    `Report written to ${out} (${features.length} features, ${state.sessions.length} sessions, ${formatBytes(Buffer.byteLength(html))}). Open it in any browser; it loads nothing from the network.\n`,
  );
  return ExitCode.ok;
}

function formatBytes(bytes: number): string {
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${(bytes / 1048576).toFixed(1)} MB`;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
