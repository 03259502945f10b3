import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { harnessDir } from '../state/paths.js';

/**
 * Which spec the feature list already covers: the hash of `app_spec.txt` when the harness last adopted
 * features for it. In enhancement and bugfix modes a spec the list does not cover yet gets a planning session
 * whose new entries the harness appends (existing entries are never touched).
 */
const FILE = 'planned-spec.sha256';

export async function specHash(projectDir: string): Promise<string | undefined> {
  try {
    return createHash('sha256')
      .update(await readFile(join(projectDir, 'app_spec.txt')))
      .digest('hex');
  } catch {
    return undefined;
  }
}

export async function plannedSpecHash(projectDir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(harnessDir(projectDir), FILE), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

export async function markSpecPlanned(projectDir: string): Promise<void> {
  const hash = await specHash(projectDir);
  if (hash !== undefined) await writeFileAtomic(join(harnessDir(projectDir), FILE), `${hash}\n`);
}
