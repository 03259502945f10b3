/**
 * `claude-harness skipped`: lists the features the harness gave up on (after --max-retries counted
 * attempts), with why and what each attempt ended as; `--reset ID…` or `--all` clears their skip and
 * attempts so the next run retries them. Safe while a run is going: the change goes through the state lock,
 * and the cleared attempts are kept in events.jsonl.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CommandIO } from '../cli/io.js';
import { ExitCode, UsageError } from '../errors/index.js';
import { readFeatureList } from '../ledger/feature-list.js';
import { createRedactor, redactDeep } from '../report/redact.js';
import { cleanTerminalText, terminalSafeJson } from '../report/terminal-text.js';
import { openEventLog } from './events.js';
import { reportIntegrityTo } from './integrity.js';
import { skippedFeatureIds } from './mutations.js';
import type { AttemptRecord } from './schema.js';
import { openState, readStateFile } from './store.js';

export interface SkippedCommandOptions {
  projectDir: string;
  reset?: string[] | 'all';
  json?: boolean;
}

interface SkippedEntry {
  id: string;
  description: string | undefined;
  reason: string;
  at: string;
  attempts: AttemptRecord[];
}

export async function runSkippedCommand(opts: SkippedCommandOptions, io: CommandIO): Promise<number> {
  const projectDir = resolve(io.cwd, opts.projectDir);
  const isDir = await stat(projectDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new UsageError(`--project-dir ${projectDir} is not a folder: pass the project of a run`);
  if (Array.isArray(opts.reset) && opts.reset.length === 0) {
    throw new UsageError(
      '--reset needs the ids of the features to retry (e.g. --reset F012 F040), or use --all',
    );
  }

  // Links removed and records recovered go to stderr, so that --json output stays one JSON document.
  const stopIntegrity = reportIntegrityTo(openEventLog(projectDir), (line) => io.err.write(line));
  try {
    return await skippedCommand(opts, io, projectDir);
  } finally {
    stopIntegrity();
  }
}

async function skippedCommand(
  opts: SkippedCommandOptions,
  io: CommandIO,
  projectDir: string,
): Promise<number> {
  const store = openState(projectDir);
  // Reading never creates .claude-harness/ in a folder that has no run.
  const hasState = (await readStateFile(store.path)).kind !== 'missing';
  const state = hasState ? await store.load() : undefined;
  const skipped = state === undefined ? [] : skippedFeatureIds(state);

  if (opts.reset !== undefined) {
    const wanted = opts.reset === 'all' ? skipped : [...new Set(opts.reset)];
    const unknown = wanted.filter((id) => !skipped.includes(id));
    if (unknown.length > 0) {
      const known = skipped.length === 0 ? 'no feature is skipped' : `skipped: ${skipped.join(', ')}`;
      throw new UsageError(`not skipped in ${projectDir}: ${unknown.join(', ')} (${known})`);
    }
    const before = state?.features ?? {};
    const reset = wanted.length === 0 ? [] : await store.resetSkipped(wanted);
    if (reset.length > 0) {
      const cleared = Object.fromEntries(reset.map((id) => [id, before[id]]));
      openEventLog(projectDir).append({ type: 'features_reset', ids: reset, cleared });
    }
    if (opts.json) io.out.write(`${JSON.stringify({ projectDir, reset }, null, 2)}\n`);
    else if (reset.length === 0) io.out.write(`No skipped features in ${projectDir}: nothing to reset.\n`);
    else
      io.out.write(
        `Reset ${reset.join(', ')}: the next run will try ${reset.length === 1 ? 'it' : 'them'} again.\n`,
      );
    return ExitCode.ok;
  }

  const descriptions = await featureDescriptions(projectDir);
  const entries: SkippedEntry[] = skipped.map((id) => {
    const record = state?.features[id];
    return {
      id,
      description: descriptions.get(id),
      reason: record?.skipped?.reason ?? '',
      at: record?.skipped?.at ?? '',
      attempts: record?.attempts ?? [],
    };
  });
  // Descriptions and reasons are the agent's text: redacted, and cleaned for the terminal (or JSON-escaped).
  const redact = createRedactor({ env: io.env });
  if (opts.json) {
    io.out.write(`${terminalSafeJson(redactDeep({ projectDir, skipped: entries }, redact), 2)}\n`);
    return ExitCode.ok;
  }
  const safe = (text: string) => cleanTerminalText(redact(text));
  io.out.write(cleanTerminalText(formatSkipped(projectDir, redactDeep(entries, safe), hasState)));
  return ExitCode.ok;
}

function formatSkipped(projectDir: string, entries: SkippedEntry[], hasState: boolean): string {
  if (!hasState)
    return `No harness state in ${projectDir} (no .claude-harness/state.json): nothing was skipped.\n`;
  if (entries.length === 0) return `No skipped features in ${projectDir}.\n`;
  const lines = [`${entries.length} skipped feature${entries.length === 1 ? '' : 's'} in ${projectDir}:`];
  for (const entry of entries) {
    lines.push(`  ${entry.id}  ${entry.description ?? '(not in feature_list.json)'}`);
    lines.push(`      skipped ${entry.at}: ${entry.reason}`);
    for (const attempt of entry.attempts) {
      const why = attempt.reason === undefined ? '' : `: ${attempt.reason}`;
      lines.push(`      session ${attempt.session}, ${attempt.at}: ${attempt.outcome}${why}`);
    }
  }
  lines.push(`Retry with: claude-harness skipped --project-dir ${projectDir} --reset ID… (or --all)`);
  return `${lines.join('\n')}\n`;
}

/** Descriptions by id from feature_list.json; empty when the list is missing or invalid. */
async function featureDescriptions(projectDir: string): Promise<Map<string, string>> {
  const list = await readFeatureList(projectDir);
  const map = new Map<string, string>();
  if (!list.ok) return map;
  for (const feature of list.features) if (feature.id !== undefined) map.set(feature.id, feature.description);
  return map;
}
