/**
 * After the initializer, the harness owns the feature list. Its copy lives in `.claude-harness/features.json`;
 * `feature_list.json` in the project is what the agent reads. After each session the harness compares the
 * two: the only change it accepts is the assigned feature's `passes` going from false to true (until the
 * verification ledger replaces even that with test proof). Everything else — other flags, reworded,
 * removed, reordered or added entries — is put back, and each change is reported as tampering.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { harnessDir } from '../state/paths.js';
import {
  featureListSchema,
  type IdentifiedFeature,
  validateFeatureList,
  writeFeatureList,
} from './feature-list.js';

export const OWNED_LIST_FILE = 'features.json';

export function ownedListPath(projectDir: string): string {
  return join(harnessDir(projectDir), OWNED_LIST_FILE);
}

/** The harness's copy, or undefined before the initializer produced a valid list. */
export async function readOwnedList(projectDir: string): Promise<IdentifiedFeature[] | undefined> {
  let text: string;
  try {
    text = await readFile(ownedListPath(projectDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = featureListSchema.parse(JSON.parse(text));
  return parsed.map((feature, index) => ({ ...feature, id: feature.id ?? `F${index + 1}` }));
}

/** Writes the harness copy and the project's `feature_list.json` from it. */
export async function writeOwnedList(
  projectDir: string,
  features: readonly IdentifiedFeature[],
): Promise<void> {
  await writeFileAtomic(ownedListPath(projectDir), `${JSON.stringify(features, null, 2)}\n`);
  await writeFeatureList(projectDir, features);
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
