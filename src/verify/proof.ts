/**
 * Proof records: what the harness ran to decide that a feature passes. Kept in
 * `.claude-harness/proofs.json` (harness-owned, never committed): the latest proof of each feature, which
 * regression checks re-run, and the history of every proof recorded. Lock → read → change → atomic write,
 * like state.json; a file that does not match the schema is never overwritten.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { withFileLock } from '../state/file-lock.js';
import { ensureHarnessDir, harnessDir } from '../state/paths.js';
import { TEST_RUNNERS } from './test-command.js';

export const PROOFS_FILE = 'proofs.json';
export const PROOFS_VERSION = 1;
/** Oldest history entries are dropped beyond this. */
export const MAX_PROOF_HISTORY = 1000;

const count = z.int().nonnegative();

export const proofSchema = z.object({
  featureId: z.string().min(1),
  /** Exactly as the agent gave it (and as regression checks re-run it). */
  command: z.string().min(1),
  runner: z.enum(TEST_RUNNERS).optional(),
  exitCode: z.int(),
  durationMs: count,
  counts: z.object({ passed: count, failed: count, skipped: count, total: count }),
  /** Redacted by whoever builds the proof. */
  outputTail: z.string(),
  /** HEAD when the proof was taken; null in a repository without commits (or no repository). */
  commit: z.string().nullable(),
  /** The work tree had uncommitted changes: the proof is of HEAD plus those. */
  dirty: z.boolean().optional(),
  /** The test files the command ran (project-relative). */
  files: z.array(z.string()).optional(),
  at: z.string().min(1),
});
export type Proof = z.infer<typeof proofSchema>;

export const proofFileSchema = z.object({
  version: z.literal(PROOFS_VERSION),
  latest: z.record(z.string(), proofSchema),
  history: z.array(proofSchema),
});
export type ProofFile = z.infer<typeof proofFileSchema>;

export class ProofFileError extends Error {
  override name = 'ProofFileError';
}

export function proofsPath(projectDir: string): string {
  return join(harnessDir(projectDir), PROOFS_FILE);
}

function emptyProofFile(): ProofFile {
  return { version: PROOFS_VERSION, latest: {}, history: [] };
}

/** The whole file; an empty one when it does not exist. Throws ProofFileError when it cannot be read. */
export async function readProofFile(projectDir: string): Promise<ProofFile> {
  const path = proofsPath(projectDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyProofFile();
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ProofFileError(`${path} is not valid JSON; it was left as it is`);
  }
  const parsed = proofFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new ProofFileError(
      `${path} does not have the expected shape (${where}${issue?.message ?? 'invalid'}); it was left as it is`,
    );
  }
  return parsed.data;
}

/** Records `proof` as its feature's latest and appends it to the history. */
export async function recordProof(projectDir: string, proof: Proof): Promise<void> {
  const checked = proofSchema.parse(proof);
  await updateProofFile(projectDir, (file) => {
    file.latest[checked.featureId] = checked;
    file.history.push(checked);
    if (file.history.length > MAX_PROOF_HISTORY)
      file.history.splice(0, file.history.length - MAX_PROOF_HISTORY);
  });
}

/** The latest proof of every feature that has one, in the order they were first recorded. */
export async function latestProofs(projectDir: string): Promise<Proof[]> {
  return Object.values((await readProofFile(projectDir)).latest);
}

async function updateProofFile(projectDir: string, change: (file: ProofFile) => void): Promise<void> {
  await ensureHarnessDir(projectDir);
  const path = proofsPath(projectDir);
  await withFileLock(path, async (lost) => {
    const file = await readProofFile(projectDir);
    change(file);
    const checked = proofFileSchema.parse(file);
    const error = lost();
    if (error) throw new ProofFileError(`lost the lock on ${path} while updating it: ${error.message}`);
    await writeFileAtomic(path, `${JSON.stringify(checked, null, 2)}\n`);
  });
}
