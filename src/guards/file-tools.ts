/**
 * `path-confinement`: the SDK's file tools may only touch files inside the project. The OS sandbox wraps Bash
 * only, and a `canUseTool` that approves what it is asked lets Write and Read reach any path (by absolute
 * path, through a symlink made in the project, or via `/proc/self/root/…`), so confinement is checked here.
 * The harness state folder may be read but never written.
 */
import { posix } from 'node:path';
import { protectedWriteReason, resolveInProject } from './paths.js';
import { ALLOW, deny, type Guard, type GuardContext, type GuardDecision, type ToolCall } from './types.js';

const GUARD = 'path-confinement';

interface FileTool {
  /** The input keys holding a path, in the order they are checked. */
  keys: readonly string[];
  writes: boolean;
  /** True when the path may be left out (the tool then uses the session's working directory). */
  optional: boolean;
}

/** The SDK's file tools (Claude Code names) and where each keeps its path. */
export const FILE_TOOLS: Readonly<Record<string, FileTool>> = {
  Read: { keys: ['file_path'], writes: false, optional: false },
  Write: { keys: ['file_path'], writes: true, optional: false },
  Edit: { keys: ['file_path'], writes: true, optional: false },
  MultiEdit: { keys: ['file_path'], writes: true, optional: false },
  NotebookEdit: { keys: ['notebook_path'], writes: true, optional: false },
  NotebookRead: { keys: ['notebook_path'], writes: false, optional: false },
  Glob: { keys: ['path'], writes: false, optional: true },
  Grep: { keys: ['path'], writes: false, optional: true },
  LS: { keys: ['path'], writes: false, optional: false },
};

export function fileToolGuard(): Guard {
  return {
    name: GUARD,
    check: (call, context) => checkFileTool(call, context),
  };
}

/** The decision for one file-tool call; other tools are allowed (other guards judge them). */
export function checkFileTool(call: ToolCall, context: GuardContext): GuardDecision {
  const tool = FILE_TOOLS[call.toolName];
  if (tool === undefined) return ALLOW;
  for (const key of tool.keys) {
    const value = call.input[key];
    if (value === undefined || value === null || value === '') {
      if (tool.optional) continue;
      return deny(
        GUARD,
        'missing-path',
        `${call.toolName} needs \`${key}\`: give a path inside ${context.projectDir}.`,
      );
    }
    if (typeof value !== 'string') {
      return deny(
        GUARD,
        'bad-path',
        `${call.toolName}: \`${key}\` must be a path string inside ${context.projectDir}.`,
      );
    }
    const decision = checkPath(call.toolName, value, tool.writes, context);
    if (decision.decision === 'deny') return decision;
  }
  if (call.toolName === 'Glob') {
    const pattern = call.input.pattern;
    if (typeof pattern === 'string') {
      if (pattern.startsWith('/') || pattern.startsWith('~')) {
        return deny(
          GUARD,
          'glob-outside-project',
          `Glob pattern \`${pattern}\` is absolute: give a pattern relative to the project (e.g. \`src/**/*.ts\`), and \`path\` inside ${context.projectDir}.`,
        );
      }
      if (pattern.split(/[\\/]/).includes('..')) {
        return deny(
          GUARD,
          'glob-outside-project',
          `Glob pattern \`${pattern}\` climbs out with \`..\`: search inside ${context.projectDir} only.`,
        );
      }
    }
  }
  return ALLOW;
}

function checkPath(tool: string, path: string, writes: boolean, context: GuardContext): GuardDecision {
  const { projectDir } = context;
  const result = resolveInProject(projectDir, path);
  if (result.reason !== undefined) {
    return deny(
      GUARD,
      'path-outside-project',
      `${tool} refused: ${result.reason}. Use a path inside ${projectDir}.`,
    );
  }
  if (!result.inside) {
    const shown =
      posix.normalize(path) === result.resolved ? `\`${path}\`` : `\`${path}\` (→ ${result.resolved})`;
    return deny(
      GUARD,
      writes ? 'write-outside-project' : 'read-outside-project',
      `${tool} refused: ${shown} is outside the project ${projectDir}. The agent works only on files inside the project.`,
    );
  }
  if (writes) {
    const reason = protectedWriteReason(projectDir, result.resolved, context.stateDir);
    if (reason !== undefined) {
      return deny(GUARD, 'protected-path', `${tool} refused: ${reason}. Write elsewhere in the project.`);
    }
  }
  return ALLOW;
}
