/** Where the harness keeps its own files in a project. Everything here is excluded from git. */
import { join } from 'node:path';
import { ensureProjectFolder } from './safe-fs.js';

export const HARNESS_DIR = '.claude-harness';

export function harnessDir(projectDir: string): string {
  return join(projectDir, HARNESS_DIR);
}

export const statePath = (projectDir: string): string => join(harnessDir(projectDir), 'state.json');
export const eventsPath = (projectDir: string): string => join(harnessDir(projectDir), 'events.jsonl');
export const runLockPath = (projectDir: string): string => join(harnessDir(projectDir), 'run.lock');

export async function ensureHarnessDir(projectDir: string): Promise<string> {
  // A real folder, never a planted link to one outside the project.
  return ensureProjectFolder(projectDir, HARNESS_DIR);
}
