/** A small project with a known history, for the status, report and Chromium tests. */
import { assignIds } from '../../src/ledger/feature-list.js';
import { writeOwnedList } from '../../src/ledger/owned-list.js';
import { openEventLog } from '../../src/state/events.js';
import { ensureHarnessDir } from '../../src/state/paths.js';
import type { EndedOutcome } from '../../src/state/schema.js';
import { openState } from '../../src/state/store.js';

export const START = Date.parse('2026-11-20T08:00:00.000Z');
export const SECRET = 'supersecretvalue-1234567890';
export const XSS = `<script>alert("x")</script> & 'quotes' <img src=x onerror=alert(1)>`;

/** A clock that moves one minute each time it is read. */
export function tickingClock(start = START, stepMs = 60_000): () => Date {
  let t = start;
  return () => {
    const now = new Date(t);
    t += stepMs;
    return now;
  };
}

export interface FixtureSession {
  kind: 'initializer' | 'coding';
  featureId?: string;
  outcome: EndedOutcome | 'running';
  costUsd: number;
  input: number;
  output: number;
  reason?: string;
  /** Events written while the session runs (after session_start). */
  during?: { type: string; [field: string]: unknown }[];
  skipAfter?: string;
  passes?: boolean;
}

/** The history the tests rely on (numbers are checked exactly). */
export const HISTORY: FixtureSession[] = [
  { kind: 'initializer', outcome: 'passed', costUsd: 0.5, input: 1000, output: 2000 },
  {
    kind: 'coding',
    featureId: 'F001',
    outcome: 'passed',
    costUsd: 0.25,
    input: 300,
    output: 400,
    passes: true,
  },
  {
    kind: 'coding',
    featureId: 'F002',
    outcome: 'failed',
    costUsd: 0.3,
    input: 500,
    output: 600,
    reason: `tests fail with token ${SECRET}`,
    during: [
      { type: 'tool_call', id: 't1', tool: 'Bash', input: { command: 'rm -rf /' } },
      {
        type: 'policy_denial',
        tool: 'Bash',
        input: { command: 'rm -rf /' },
        guard: 'shell-policy',
        rule: 'rm-outside-project',
        reason: 'rm outside the project',
      },
      {
        type: 'policy_denial',
        tool: 'Write',
        input: { file_path: '/etc/passwd' },
        guard: 'path-confinement',
        rule: 'outside-project',
        reason: 'write outside',
      },
      { type: 'tamper', featureId: 'F002', changes: ['F004\'s "passes" was set to true'] },
    ],
  },
  { kind: 'coding', featureId: 'F002', outcome: 'failed', costUsd: 0.2, input: 400, output: 300 },
  {
    kind: 'coding',
    featureId: 'F002',
    outcome: 'timeout',
    costUsd: 0.1,
    input: 100,
    output: 100,
    reason: 'ran past --session-timeout',
    skipAfter: `3 failed attempts: ${XSS}`,
  },
  {
    kind: 'coding',
    featureId: 'F003',
    outcome: 'passed',
    costUsd: 0.4,
    input: 700,
    output: 800,
    passes: true,
    during: [{ type: 'regression', featureId: 'F001', reason: 'its test fails now' }],
  },
  {
    kind: 'coding',
    featureId: 'F004',
    outcome: 'running',
    costUsd: 0,
    input: 0,
    output: 0,
    during: [
      { type: 'tool_call', id: 'a', tool: 'Read', input: { file_path: 'src/app.ts' } },
      { type: 'tool_call', id: 'b', tool: 'Bash', input: { command: 'npm test\nmore' } },
    ],
  },
];

export const FEATURES = [
  { category: 'functional', description: 'User can log in', steps: ['open', 'log in'], passes: false },
  { category: 'functional', description: 'User can log out', steps: ['s'], passes: false },
  { category: 'style', description: 'Dark mode', steps: ['s'], passes: false },
  { category: 'functional', description: 'Search works', steps: ['s'], passes: false },
  { category: 'functional', description: XSS, steps: ['s'], passes: false },
];

/** Writes the project: features.json + feature_list.json, state.json, events.jsonl. */
export async function buildFixture(dir: string, history: FixtureSession[] = HISTORY): Promise<void> {
  const clock = tickingClock();
  const store = openState(dir, { now: clock });
  const events = openEventLog(dir, { now: clock });
  await ensureHarnessDir(dir);
  let features = assignIds(FEATURES);
  await writeOwnedList(dir, features);
  await store.startRun({ mode: 'greenfield', model: 'sonnet', specPath: '/tmp/spec.txt' });
  events.append({ type: 'run_start', mode: 'greenfield', model: 'sonnet', resumed: [] });
  for (const s of history) {
    const n = await store.beginSession({ kind: s.kind, featureId: s.featureId });
    events.append({ type: 'session_start', session: n, kind: s.kind, featureId: s.featureId });
    for (const e of s.during ?? []) {
      // Session-less types (tamper, regression) are written without a session number, as the loop does.
      const withSession = e.type === 'tool_call' || e.type === 'policy_denial';
      events.append(withSession ? { ...e, session: n } : e);
    }
    if (s.outcome === 'running') continue;
    if (s.passes && s.featureId) {
      features = features.map((f) => (f.id === s.featureId ? { ...f, passes: true } : f));
      events.append({ type: 'feature_passed', featureId: s.featureId });
    }
    for (const e of s.during ?? []) {
      if (e.type === 'regression')
        features = features.map((f) => (f.id === e.featureId ? { ...f, passes: false } : f));
    }
    await writeOwnedList(dir, features);
    await store.endSession(n, s.outcome, {
      reason: s.reason,
      costUsd: s.costUsd,
      tokens: { input: s.input, output: s.output },
      turns: 3,
    });
    const denials = (s.during ?? []).filter((e) => e.type === 'policy_denial').length;
    const toolCalls = (s.during ?? []).filter((e) => e.type === 'tool_call').length;
    events.append({
      type: 'session_end',
      session: n,
      kind: s.kind,
      featureId: s.featureId,
      outcome: s.outcome,
      reason: s.reason,
      costUsd: s.costUsd,
      toolCalls,
      denials,
    });
    if (s.skipAfter && s.featureId) {
      await store.skipFeature(s.featureId, s.skipAfter);
      events.append({ type: 'feature_skipped', featureId: s.featureId, reason: s.skipAfter });
    }
    events.append({ type: 'checkpoint', session: n, commit: `abc${n}def0123456789` });
  }
}
