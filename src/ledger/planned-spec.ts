import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { harnessDir } from '../state/paths.js';
import { type Parsed, readRecovering, writeRecord } from '../state/records.js';
import { readProjectBytes } from '../state/safe-fs.js';

/**
 * Which spec the feature list already covers: the hash of `app_spec.txt` when the harness last adopted
 * features for it. In enhancement and bugfix modes a spec the list does not cover yet gets a planning session
 * whose new entries the harness appends (existing entries are never touched).
 */
const FILE = 'planned-spec.sha256';

/** The hash of the project's spec copy (never read through a link), or undefined when there is none. */
export async function specHash(projectDir: string): Promise<string | undefined> {
  const bytes = readProjectBytes(projectDir, join(projectDir, 'app_spec.txt'));
  return bytes === undefined ? undefined : createHash('sha256').update(bytes).digest('hex');
}

/** The recorded hash (recovered from its last good copy when damaged); undefined when none is known. */
export async function plannedSpecHash(projectDir: string): Promise<string | undefined> {
  const read = readRecovering(projectDir, join(harnessDir(projectDir), FILE), parseHash, {
    serialize: (hash) => `${hash}\n`,
  });
  // Lost: the spec counts as not planned yet, so at worst one planning session runs again.
  return read.kind === 'ok' || read.kind === 'recovered' ? read.value : undefined;
}

export async function markSpecPlanned(projectDir: string): Promise<void> {
  const hash = await specHash(projectDir);
  if (hash !== undefined) writeRecord(projectDir, join(harnessDir(projectDir), FILE), `${hash}\n`);
}

function parseHash(text: string): Parsed<string> {
  const hash = text.trim();
  return /^[0-9a-f]{64}$/.test(hash)
    ? { ok: true, value: hash }
    : { ok: false, problem: 'it is not a SHA-256 hash' };
}
