/**
 * After the initializer, the harness owns the feature list. Its copy lives in `.claude-harness/features.json`;
 * `feature_list.json` in the project is what the agent reads. After each session the harness compares the
 * two: the only change it accepts is the assigned feature's `passes` going from false to true (until the
 * verification ledger replaces even that with test proof). Everything else — other flags, reworded,
 * removed, reordered or added entries — is put back, and each change is reported as tampering.
 */
import { join } from 'node:path';
import { RecordUnrecoverableError } from '../state/errors.js';
import { openEventLog } from '../state/events.js';
import { HARNESS_DIR, harnessDir } from '../state/paths.js';
import { lastGoodPath, type Parsed, readRecovering, restoreRecord, writeRecord } from '../state/records.js';
import { readProjectFile } from '../state/safe-fs.js';
import { readProofFile } from '../verify/proof.js';
import {
  FEATURE_LIST_FILE,
  featureListSchema,
  type IdentifiedFeature,
  readFeatureListText,
  validateFeatureList,
  writeFeatureList,
} from './feature-list.js';

export const OWNED_LIST_FILE = 'features.json';

export function ownedListPath(projectDir: string): string {
  return join(harnessDir(projectDir), OWNED_LIST_FILE);
}

/**
 * The harness's copy, or undefined before the initializer produced a valid list. A damaged or deleted copy
 * is recovered from its last good copy or, failing that, rebuilt from feature_list.json with "passes" set
 * only where a proof was recorded; RecordUnrecoverableError when neither is possible.
 */
export async function readOwnedList(projectDir: string): Promise<IdentifiedFeature[] | undefined> {
  const path = ownedListPath(projectDir);
  const read = readRecovering(projectDir, path, parseOwnedList, { serialize });
  if (read.kind === 'ok' || read.kind === 'recovered') return read.value;
  let problem: string;
  if (read.kind === 'missing') {
    // Gone with its copy: only a list the harness never accepted may be missing.
    if (!listWasAccepted(projectDir)) return undefined;
    problem = 'it was deleted, and so was its last good copy';
  } else {
    problem = read.problem;
  }
  const rebuilt = await rebuildOwnedList(projectDir);
  if (!rebuilt.ok) {
    throw new RecordUnrecoverableError(
      `${HARNESS_DIR}/${OWNED_LIST_FILE} (the harness's feature list) could not be read: ${problem}; and it could not be rebuilt because ${rebuilt.problem}. ` +
        `To reset it: restore ${FEATURE_LIST_FILE} (for example \`git checkout -- ${FEATURE_LIST_FILE}\` in ${projectDir}) and rerun; ` +
        `the harness rebuilds its list from it, with "passes" only where ${HARNESS_DIR}/proofs.json holds a proof.`,
      path,
    );
  }
  restoreRecord(projectDir, path, serialize(rebuilt.features), { problem, from: rebuilt.from });
  return rebuilt.features;
}

/** Writes the harness copy (and its last good copy), then the project's `feature_list.json` from it. */
export async function writeOwnedList(
  projectDir: string,
  features: readonly IdentifiedFeature[],
): Promise<void> {
  writeRecord(projectDir, ownedListPath(projectDir), serialize(features));
  await writeFeatureList(projectDir, features);
}

/**
 * Whether the harness accepted a list in this project before: the journal says so, the state has issued
 * feature ids, or a spec was marked planned. Then a missing list was deleted, not never written.
 */
function listWasAccepted(projectDir: string): boolean {
  if (
    openEventLog(projectDir)
      .read()
      .some((e) => e.type === 'feature_list_accepted')
  )
    return true;
  const state = join(harnessDir(projectDir), 'state.json');
  for (const file of [state, lastGoodPath(state)]) {
    try {
      const data = JSON.parse(readProjectFile(projectDir, file) ?? 'null') as {
        lastFeatureNumber?: unknown;
      } | null;
      if (typeof data?.lastFeatureNumber === 'number' && data.lastFeatureNumber > 0) return true;
    } catch {
      // Unreadable: says nothing either way.
    }
  }
  const planned = join(harnessDir(projectDir), 'planned-spec.sha256');
  return [planned, lastGoodPath(planned)].some((file) => readProjectFile(projectDir, file) !== undefined);
}

function serialize(features: readonly IdentifiedFeature[]): string {
  return `${JSON.stringify(features, null, 2)}\n`;
}

function parseOwnedList(text: string): Parsed<IdentifiedFeature[]> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, problem: text.trim() === '' ? 'the file is empty' : 'it is not valid JSON' };
  }
  const parsed = featureListSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return {
      ok: false,
      problem: `it does not have the expected shape (${where}${issue?.message ?? 'invalid'})`,
    };
  }
  if (parsed.data.length === 0) return { ok: false, problem: 'it is an empty list' };
  if (parsed.data.some((f) => f.id === undefined)) return { ok: false, problem: 'an entry has no id' };
  return { ok: true, value: parsed.data as IdentifiedFeature[] };
}

type Rebuilt = { ok: true; features: IdentifiedFeature[]; from: string } | { ok: false; problem: string };

/**
 * The list from the project's `feature_list.json` (the view the harness last wrote), with "passes" taken
 * from the proofs, never from the view: a feature passes only if the harness recorded a proof for it.
 */
async function rebuildOwnedList(projectDir: string): Promise<Rebuilt> {
  const text = readFeatureListText(projectDir);
  if (text === undefined) return { ok: false, problem: `${FEATURE_LIST_FILE} is missing too` };
  const view = validateFeatureList(text);
  if (!view.ok) return { ok: false, problem: view.error };
  if (view.features.some((f) => f.id === undefined)) {
    return { ok: false, problem: `${FEATURE_LIST_FILE} has entries without an id` };
  }
  const proven = await provenFeatureIds(projectDir);
  const features = view.features.map((f) => ({
    ...f,
    passes: proven.ids.has(f.id as string),
  })) as IdentifiedFeature[];
  const passing = features.filter((f) => f.passes).length;
  return {
    ok: true,
    features,
    from: `${FEATURE_LIST_FILE}, with "passes" only where ${proven.source} holds a proof (${passing} of ${features.length} pass)`,
  };
}

/**
 * Features with a recorded proof. proofs.json never fails to read for damage: it is recovered from its last
 * good copy or rebuilt from the events journal (proof.ts), which also says so.
 */
async function provenFeatureIds(projectDir: string): Promise<{ ids: Set<string>; source: string }> {
  return { ids: new Set(Object.keys((await readProofFile(projectDir)).latest)), source: 'proofs.json' };
}

export interface Reconciliation {
  /** The list the harness keeps: its copy plus the accepted change. */
  features: IdentifiedFeature[];
  /** True when the assigned feature's `passes` went from false to true. */
  assignedPassed: boolean;
  /** One line per rejected change, for the log and the next prompt. */
  tampering: string[];
}

/**
 * Compares the agent's `feature_list.json` text with the harness copy. Pure: the caller writes the result.
 * `accept` says whether the assigned feature may flip to passing at all.
 */
export function reconcileFeatureList(
  owned: readonly IdentifiedFeature[],
  onDiskText: string | undefined,
  assignedId: string | undefined,
  accept = true,
): Reconciliation {
  const features = owned.map((f) => ({ ...f }));
  if (onDiskText === undefined) {
    return {
      features,
      assignedPassed: false,
      tampering: ['feature_list.json was deleted; the harness restored it'],
    };
  }
  const parsed = validateFeatureList(onDiskText);
  if (!parsed.ok) {
    return { features, assignedPassed: false, tampering: [`${parsed.error}; the harness restored its copy`] };
  }
  const tampering: string[] = [];
  const byId = new Map(parsed.features.filter((f) => f.id !== undefined).map((f) => [f.id as string, f]));
  let assignedPassed = false;
  owned.forEach((mine, index) => {
    // Match by id; only a list stripped of every id is matched by position.
    const theirs = byId.size > 0 ? byId.get(mine.id) : parsed.features[index];
    if (theirs === undefined) {
      tampering.push(`${mine.id} was removed`);
      return;
    }
    if (theirs.description !== mine.description || theirs.category !== mine.category) {
      tampering.push(`${mine.id} was reworded`);
    }
    if (JSON.stringify(theirs.steps) !== JSON.stringify(mine.steps))
      tampering.push(`${mine.id}'s steps were changed`);
    if (theirs.passes !== mine.passes) {
      if (mine.id === assignedId && !mine.passes && theirs.passes && accept) {
        assignedPassed = true;
        const target = features[index];
        if (target) target.passes = true;
      } else {
        tampering.push(`${mine.id}'s "passes" was set to ${theirs.passes}`);
      }
    }
  });
  const ownedIds = new Set(owned.map((f) => f.id));
  const added = parsed.features.filter((f) => f.id === undefined || !ownedIds.has(f.id));
  if (byId.size > 0 && added.length > 0) tampering.push(`${added.length} entries were added`);
  if (byId.size === 0 && parsed.features.length > owned.length) {
    tampering.push(`${parsed.features.length - owned.length} entries were added`);
  }
  const order = parsed.features.map((f) => f.id).filter((id) => id !== undefined && ownedIds.has(id));
  const expectedOrder = owned.map((f) => f.id).filter((id) => order.includes(id));
  if (JSON.stringify(order) !== JSON.stringify(expectedOrder)) tampering.push('the entries were reordered');
  return { features, assignedPassed, tampering };
}
