/**
 * `feature_list.json`: the plan the initializer writes and every coding session works through. A JSON array
 * of `{ id?, category, description, steps, passes }`, ordered by priority. The harness validates it after
 * the initializer (one precise message goes back into the next initializer's prompt when it is wrong), gives
 * every entry a stable id, and writes it back atomically.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { findJsonSyntaxProblem } from '../config/json-syntax.js';
import { readProjectFile, writeProjectFileAtomic } from '../state/safe-fs.js';

export const FEATURE_LIST_FILE = 'feature_list.json';

/** Categories the prompts use; any other non-empty category is accepted as well. */
export const KNOWN_CATEGORIES = ['functional', 'style', 'enhancement', 'bugfix'] as const;

/** Unknown keys an agent adds (notes, priority…) are kept, so a rewrite never drops them. */
const nonBlank = z.string().refine((s) => s.trim() !== '');
export const featureSchema = z.looseObject({
  id: nonBlank.optional(),
  category: nonBlank,
  description: nonBlank,
  // A feature without steps cannot be verified, so at least one is required.
  steps: z.array(z.string()).min(1),
  passes: z.boolean(),
});
export type Feature = z.infer<typeof featureSchema>;
export type IdentifiedFeature = Feature & { id: string };

export const featureListSchema = z.array(featureSchema);

export type FeatureListResult = { ok: true; features: Feature[] } | { ok: false; error: string };

const FIELD_RULES: Record<string, string> = {
  id: 'must be a non-empty string such as "F001"',
  category: `must be a non-empty string such as ${KNOWN_CATEGORIES.map((c) => `"${c}"`).join(', ')}`,
  description: 'must be a non-empty string saying what the feature does',
  steps: 'must be a list of strings',
  passes: 'must be true or false',
};
const FIELDS = ['category', 'description', 'steps', 'passes'] as const;

/** Parses and checks the text of `feature_list.json`; on failure, one message naming the first problem. */
export function validateFeatureList(text: string): FeatureListResult {
  const body = text.replace(/^\ufeff/, '');
  if (body.trim() === '') {
    return fail('is empty: it must be a JSON array of features, [{"category": …, "description": …}, …]');
  }
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    const problem = findJsonSyntaxProblem(body);
    const where = problem ? ` at line ${problem.line}, column ${problem.column}: ${problem.reason}` : '';
    return fail(`is not valid JSON${where}`);
  }
  if (!Array.isArray(data)) {
    return fail(`must be a JSON array of features ([{"category": …}, …]), not ${describeJson(data)}`);
  }
  if (data.length === 0) return fail('is an empty list: it must hold at least one feature');

  const parsed = featureListSchema.safeParse(data);
  if (parsed.success) return { ok: true, features: parsed.data };
  const issue = parsed.error.issues[0];
  const [index, field] = issue?.path ?? [];
  if (typeof index !== 'number') return fail(issue?.message ?? 'does not match the expected shape');
  const entry: unknown = data[index];
  const label = entryLabel(index, entry);
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    const fields = FIELDS.map((f) => `"${f}"`).join(', ');
    return fail(`${label}: must be an object with ${fields}, not ${describeJson(entry)}`);
  }
  if (typeof field !== 'string') return fail(`${label}: ${issue?.message ?? 'is not a valid feature'}`);
  const rule = FIELD_RULES[field] ?? 'is not valid';
  const value = (entry as Record<string, unknown>)[field];
  if (value === undefined) return fail(`${label}: "${field}" is missing; it ${rule}`);
  if (field === 'steps' && Array.isArray(value) && value.length === 0) {
    return fail(`${label}: "steps" must list at least one step that verifies the feature`);
  }
  return fail(`${label}: "${field}" ${rule}`);
}

/**
 * Gives every feature a stable id: ids already present are kept, entries without one (and the later of two
 * entries sharing an id) get the next free `F001`-style number in list order. `existing` lists ids issued
 * before (earlier lists, the harness state) so a deleted feature's id is never handed out again.
 */
export function assignIds(
  features: readonly Feature[],
  existing: Iterable<string> = [],
): IdentifiedFeature[] {
  const seen = new Set<string>();
  let highest = 0;
  for (const id of [...existing, ...features.map((f) => f.id)])
    highest = Math.max(highest, featureNumber(id));
  return features.map((feature) => {
    let id = feature.id;
    if (id === undefined || seen.has(id)) {
      highest += 1;
      id = formatFeatureId(highest);
    }
    seen.add(id);
    const { id: _old, ...rest } = feature;
    return { id, ...rest };
  });
}

/** `F001` for 1; numbers above 999 simply grow (`F1000`). */
export function formatFeatureId(n: number): string {
  return `F${String(n).padStart(3, '0')}`;
}

/** The number of an `F123` id, or 0 for ids of any other form. */
export function featureNumber(id: string | undefined): number {
  const match = id === undefined ? null : /^F(\d+)$/.exec(id);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

/**
 * Reads and validates `<projectDir>/feature_list.json`; `missing` is set when the file does not exist (a
 * planted link counts as missing: it is reported and removed, never read through).
 */
export async function readFeatureList(
  projectDir: string,
): Promise<FeatureListResult & { missing?: boolean }> {
  const text = readFeatureListText(projectDir);
  if (text === undefined) {
    return { ok: false, missing: true, error: `${FEATURE_LIST_FILE} does not exist in the project folder` };
  }
  return validateFeatureList(text);
}

/** The text of `<projectDir>/feature_list.json` as the agent left it, or undefined (see readFeatureList). */
export function readFeatureListText(projectDir: string): string | undefined {
  return readProjectFile(projectDir, join(projectDir, FEATURE_LIST_FILE));
}

/** Writes the list atomically (temp file + rename, never through a link) as 2-space JSON ending with a newline. */
export async function writeFeatureList(projectDir: string, features: readonly Feature[]): Promise<void> {
  writeProjectFileAtomic(
    projectDir,
    join(projectDir, FEATURE_LIST_FILE),
    `${JSON.stringify(features, null, 2)}\n`,
  );
}

/** `problem` starts with a verb ("is empty") or, for one entry, with its label and a colon. */
function fail(problem: string): FeatureListResult {
  return { ok: false, error: `${FEATURE_LIST_FILE}${problem.startsWith('entry ') ? ', ' : ' '}${problem}` };
}

/** `entry 12 ("User can log in")`: counted from 1, with the description to make it unmistakable. */
function entryLabel(index: number, entry: unknown): string {
  const description = (entry as { description?: unknown } | null)?.description;
  if (typeof description !== 'string' || description.trim() === '') return `entry ${index + 1}`;
  const short = description.length > 60 ? `${description.slice(0, 59)}…` : description;
  return `entry ${index + 1} (${JSON.stringify(short)})`;
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value} (${JSON.stringify(value)})`;
}
