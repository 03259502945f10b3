/**
 * Proof records: what the harness ran to decide that a feature passes. Kept in
 * `.claude-harness/proofs.json` (harness-owned, never committed): the latest proof of each feature, which
 * regression checks re-run, and the history of every proof recorded. Lock → read → change → atomic write,
 * like state.json, never through a planted link (safe-fs.ts), with a last good copy (records.ts).
 *
 * A proofs.json that cannot be read (garbage, cut short, the wrong shape, a link) is restored from its last
 * good copy; when that is gone too, it is rebuilt from the `feature_passed` events of the journal, which
 * carry each proof's command, counts and commit (not its output, duration or files). One line says which.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { StateVersionError } from '../state/errors.js';
import { openEventLog } from '../state/events.js';
import { withFileLock } from '../state/file-lock.js';
import { ensureHarnessDir, harnessDir } from '../state/paths.js';
import { type Parsed, readRecovering, restoreRecord, writeRecord } from '../state/records.js';
import { readProjectFile } from '../state/safe-fs.js';
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

/**
 * The whole file; an empty one when it does not exist. A bad file is recovered (its last good copy, else the
 * events journal) and reported with one line; it never throws for a file it cannot read.
 */
export async function readProofFile(projectDir: string): Promise<ProofFile> {
  const path = proofsPath(projectDir);
  const read = readRecovering(projectDir, path, parseProofFile, { serialize });
  switch (read.kind) {
    case 'ok':
    case 'recovered':
      return read.value;
    case 'missing': {
      // Never written, or deleted with its copy: the journal tells which.
      const proven = openEventLog(projectDir)
        .read()
        .some((e) => e.type === 'feature_passed');
      if (!proven) return emptyProofFile();
      return rebuild(projectDir, path, 'it was deleted, and so was its last good copy');
    }
    case 'lost':
      return rebuild(projectDir, path, read.problem);
  }
}

function rebuild(projectDir: string, path: string, problem: string): ProofFile {
  const rebuilt = rebuildProofFile(projectDir);
  restoreRecord(projectDir, path, serialize(rebuilt.file), { problem, from: rebuilt.from });
  return rebuilt.file;
}

export function parseProofFile(text: string): Parsed<ProofFile> {
  if (text.trim() === '') return { ok: false, problem: 'the file is empty' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'it is not valid JSON' };
  }
  const version = (data as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > PROOFS_VERSION) {
    // Never recovered over: a newer claude-harness wrote it.
    throw new StateVersionError(
      `proofs.json has version ${version}, written by a newer claude-harness; this one reads version ${PROOFS_VERSION}. Upgrade claude-harness to continue this project.`,
      version,
    );
  }
  const parsed = proofFileSchema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  return {
    ok: false,
    problem: `it does not have the expected shape (${where}${issue?.message ?? 'invalid'})`,
  };
}

function serialize(file: ProofFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

const journalCounts = z.object({ passed: count, failed: count, skipped: count, total: count });

/**
 * proofs.json from the journal: every `feature_passed` event is a proof the harness recorded (exit 0, its
 * command, counts and commit), until a `regression` event of the same feature takes it back. Their output, duration, runner and files are not in the journal and are
 * lost; `from` says so, and names any feature the ledger has passing that no event proves.
 */
export function rebuildProofFile(projectDir: string): { file: ProofFile; from: string } {
  const file = emptyProofFile();
  for (const event of openEventLog(projectDir).read()) {
    // A regression took the feature's proof back: it is no longer its latest.
    if (event.type === 'regression' && typeof event.featureId === 'string')
      delete file.latest[event.featureId];
    if (event.type !== 'feature_passed') continue;
    const counts = journalCounts.safeParse(event.counts);
    const proof = proofSchema.safeParse({
      featureId: event.featureId,
      command: event.command,
      exitCode: 0,
      durationMs: 0,
      counts: counts.success ? counts.data : undefined,
      outputTail: '',
      commit: typeof event.commit === 'string' ? event.commit : null,
      at: event.at,
    });
    if (!proof.success) continue;
    file.latest[proof.data.featureId] = proof.data;
    file.history.push(proof.data);
  }
  if (file.history.length > MAX_PROOF_HISTORY)
    file.history.splice(0, file.history.length - MAX_PROOF_HISTORY);
  const proven = Object.keys(file.latest);
  const unproven = ledgerPassing(projectDir).filter((id) => !proven.includes(id));
  const n = proven.length;
  const lost =
    n === 0 ? '' : '; their test output, duration and file list were not in the journal and are lost';
  const noProof =
    unproven.length === 0
      ? ''
      : `; ${unproven.join(', ')} pass${unproven.length === 1 ? 'es' : ''} in the ledger but no proof of ${unproven.length === 1 ? 'it' : 'them'} was found (validation cannot re-run ${unproven.length === 1 ? 'it' : 'them'})`;
  return {
    file,
    from: `the events journal (events.jsonl: ${n} proof${n === 1 ? '' : 's'}${n === 0 ? '' : ` of ${proven.join(', ')}`}${lost}${noProof})`,
  };
}

/** Ids the harness's ledger (features.json, or its last good copy) has passing; best effort, read-only. */
function ledgerPassing(projectDir: string): string[] {
  const path = join(harnessDir(projectDir), 'features.json');
  for (const file of [path, `${path}.last-good`]) {
    try {
      const data = JSON.parse(readProjectFile(projectDir, file) ?? 'null') as unknown;
      if (!Array.isArray(data)) continue;
      return data
        .filter((f): f is { id: string; passes: true } => f?.passes === true && typeof f?.id === 'string')
        .map((f) => f.id);
    } catch {
      // Unreadable: the next copy, or nothing.
    }
  }
  return [];
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
    writeRecord(projectDir, path, serialize(checked));
  });
}
