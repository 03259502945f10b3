/**
 * The one place where errors become an exit code and a message on stderr. Harness errors print their message
 * (one line per problem) and exit with their own code; commander's parse errors are bad input (exit 2); any
 * other error is a bug, exit 1, with the stack only when CLAUDE_HARNESS_DEBUG=1.
 */
import { CommanderError } from 'commander';
import { ExitCode, isHarnessError } from '../errors/index.js';

export const PROGRAM_NAME = 'claude-harness';

export interface ErrorOutput {
  err: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Applied to everything written (runCli passes the redactor and the terminal-text cleaner). */
  filter?: ((text: string) => string) | undefined;
}

export function reportError(error: unknown, { err: raw, env, filter }: ErrorOutput): number {
  const err = filter === undefined ? raw : { write: (text: string) => raw.write(filter(text)) };
  const say = (line: string) => err.write(`${PROGRAM_NAME}: ${line}\n`);

  if (error instanceof CommanderError) {
    // --help and --version end parsing through this error too, with exit code 0 and their text already out.
    if (error.exitCode === 0) return ExitCode.ok;
    if (error.code !== 'commander.help') {
      const message = error.message
        .replace(/^error:\s*/, '')
        .replace(/\s*\n\s*/g, ' ')
        .replace(/\.$/, '');
      say(`${message}; see '${PROGRAM_NAME} --help'`);
    }
    return ExitCode.usage;
  }

  if (isHarnessError(error)) {
    for (const line of error.message.split('\n')) say(line);
    if (isDebug(env) && error.cause !== undefined) err.write(`${describeCause(error.cause)}\n`);
    return error.exitCode;
  }

  const message = error instanceof Error ? error.message : String(error);
  if (isDebug(env)) {
    say(message);
    err.write(`${error instanceof Error ? (error.stack ?? message) : message}\n`);
    if (error instanceof Error && error.cause !== undefined) err.write(`${describeCause(error.cause)}\n`);
  } else {
    say(`${message} (set CLAUDE_HARNESS_DEBUG=1 to see the stack trace)`);
  }
  return ExitCode.failure;
}

function isDebug(env: NodeJS.ProcessEnv): boolean {
  return env.CLAUDE_HARNESS_DEBUG === '1';
}

function describeCause(cause: unknown): string {
  return `caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`;
}
