/**
 * The `secrets` guard: a Write, Edit, MultiEdit or NotebookEdit whose new text holds a secret-looking value
 * is refused before it reaches the disk. Only the new text is scanned (what is already in a file was
 * checked when it was written, or predates the run).
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ALLOW, deny, type Guard, type GuardContext, type GuardDecision, type ToolCall } from '../types.js';
import type { SecretsConfig } from './config.js';
import { type SecretHit, scanText } from './scan.js';

export const SECRETS_GUARD = 'secrets';

/** One piece of new text a tool call would write, and where it would land. */
interface NewText {
  text: string;
  /** Lines before the text in the file, when known (an Edit's position), else 0. */
  lineOffset: number;
  /** For a notebook cell: the position is inside the cell. */
  where?: string;
}

export function secretsGuard(config: SecretsConfig = {}): Guard {
  return {
    name: SECRETS_GUARD,
    async check(call: ToolCall, context: GuardContext): Promise<GuardDecision> {
      const target = targetPath(call);
      if (target === undefined) return ALLOW;
      const absolute = resolve(context.projectDir, target);
      const file = projectRelative(context.projectDir, absolute);
      const pieces = await newTexts(call, absolute);
      for (const piece of pieces) {
        const hits = await scanText(piece.text, { fileName: file, allow: config.allow });
        if (hits.length === 0) continue;
        const shifted = hits.map((hit) => ({ ...hit, line: hit.line + piece.lineOffset }));
        return deny(SECRETS_GUARD, 'secret-in-file', denyReason(call.toolName, shifted, piece.where));
      }
      return ALLOW;
    },
  };
}

function targetPath(call: ToolCall): string | undefined {
  const key = call.toolName === 'NotebookEdit' ? 'notebook_path' : 'file_path';
  if (!['Write', 'Edit', 'MultiEdit', 'NotebookEdit'].includes(call.toolName)) return undefined;
  const value = call.input[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

async function newTexts(call: ToolCall, absolute: string): Promise<NewText[]> {
  const { input } = call;
  switch (call.toolName) {
    case 'Write':
      return typeof input.content === 'string' ? [{ text: input.content, lineOffset: 0 }] : [];
    case 'NotebookEdit':
      return typeof input.new_source === 'string'
        ? [{ text: input.new_source, lineOffset: 0, where: 'in the new cell source' }]
        : [];
    case 'Edit':
    case 'MultiEdit': {
      const edits = call.toolName === 'Edit' ? [input] : Array.isArray(input.edits) ? input.edits : [];
      const current = await readFile(absolute, 'utf8').catch(() => undefined);
      const pieces: NewText[] = [];
      for (const edit of edits) {
        if (typeof edit !== 'object' || edit === null) continue;
        const { new_string: newString, old_string: oldString } = edit as Record<string, unknown>;
        if (typeof newString !== 'string') continue;
        pieces.push({ text: newString, lineOffset: linesBefore(current, oldString) });
      }
      return pieces;
    }
    default:
      return [];
  }
}

/** Lines of `content` before the first occurrence of `oldString` (where the edit lands), else 0. */
function linesBefore(content: string | undefined, oldString: unknown): number {
  if (content === undefined || typeof oldString !== 'string' || oldString === '') return 0;
  const index = content.indexOf(oldString);
  if (index <= 0) return 0;
  let lines = 0;
  for (let i = content.indexOf('\n'); i !== -1 && i < index; i = content.indexOf('\n', i + 1)) lines++;
  return lines;
}

function projectRelative(projectDir: string, absolute: string): string {
  const rel = relative(projectDir, absolute);
  if (rel === '' || isAbsolute(rel)) return absolute.split(sep).join('/');
  return rel.split(sep).join('/');
}

/** One line per hit, as `file:line:column what (masked) [rule]`. */
export function formatHits(hits: readonly SecretHit[], limit = 10): string {
  const lines = hits
    .slice(0, limit)
    .map((hit) => `${hit.file}:${hit.line}:${hit.column} ${hit.message} (${hit.masked}) [${hit.ruleId}]`);
  if (hits.length > limit) lines.push(`… and ${hits.length - limit} more`);
  return lines.join('\n');
}

function denyReason(toolName: string, hits: readonly SecretHit[], where: string | undefined): string {
  const first = hits[0] as SecretHit;
  return [
    `${toolName} refused: the new text looks like it holds a secret${where ? ` (${where})` : ''}:`,
    formatHits(hits),
    'Do not put secrets in project files: read the value from an environment variable at run time ' +
      '(e.g. process.env.API_TOKEN) and leave a placeholder such as <API_TOKEN> in docs and examples. ' +
      'If this is a deliberate fake for a test, it needs an explicit allowance in claude-harness.json, ' +
      `e.g. "secrets": { "allow": [{ "path": "${first.file}", "rule": "${first.ruleId}", "reason": "…" }] }, ` +
      'which only the project owner can add.',
  ].join('\n');
}
