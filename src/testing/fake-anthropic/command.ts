/**
 * `claude-harness fake-model --scenario FILE [--port N]`: serves a scenario until the signal aborts.
 *
 * Output on `out`: first line the base URL alone (`http://127.0.0.1:PORT`, easy to read from a script), then a
 * hint how to point Claude Code at it, one line per request, and a summary at the end. Failures (unmet
 * expectations, requests beyond the scenario, unknown variables) are written to `err` as they happen.
 */

import { ExitCode, UsageError } from '../../errors/index.js';
import { loadScenario } from './scenario.js';
import { type FakeAnthropicServer, startFakeAnthropic } from './server.js';

export interface FakeModelCommandOptions {
  scenarioPath: string;
  /** 0 or omitted: a free port. */
  port?: number;
  /** `{{name}}` replacements for the scenario's text and tool inputs. */
  variables?: Record<string, string>;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  signal: AbortSignal;
}

/**
 * Resolves to 0 when the run had no failures, else 1. Throws `ConfigError` for a bad scenario and
 * `UsageError` for a bad or busy port (both exit 2 through the CLI).
 */
export async function runFakeModelCommand(opts: FakeModelCommandOptions): Promise<number> {
  const { out, err, signal } = opts;
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)) {
    throw new UsageError(
      `--port must be a whole number from 0 to 65535 (0 picks a free port), got ${opts.port}.`,
    );
  }
  const scenario = await loadScenario(opts.scenarioPath);

  let server: FakeAnthropicServer;
  try {
    server = await startFakeAnthropic({
      scenario,
      ...(opts.port !== undefined && { port: opts.port }),
      ...(opts.variables !== undefined && { variables: opts.variables }),
      log: (line) => (line.startsWith('FAILURE:') ? err : out).write(`fake model: ${line}\n`),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new UsageError(
        `Cannot listen on 127.0.0.1:${opts.port}: ${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}. Pick another --port, or 0 for a free one.`,
        { cause: error },
      );
    }
    throw error;
  }

  const turns = scenario.sessions.reduce((n, s) => n + s.turns.length, 0);
  out.write(`${server.url}\n`);
  out.write(
    `fake model: serving scenario "${scenario.name}" (${scenario.sessions.length} session(s), ${turns} turn(s)). ` +
      `Point Claude Code at it with ANTHROPIC_BASE_URL=${server.url} ANTHROPIC_API_KEY=any ` +
      'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1. Stop with Ctrl+C.\n',
  );

  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();

  const count = (kind: string) => server.requests.filter((r) => r.kind === kind).length;
  const progress = server.progress();
  out.write(
    `fake model: stopped after ${server.requests.length} request(s) (${count('agent')} agent, ${count('side')} side, ` +
      `${count('count_tokens')} count_tokens, ${count('other')} other); turns played ${progress.playedTurns}/` +
      `${progress.totalTurns}, ${progress.remainingTurns} remaining; ${server.failures.length} failure(s).\n`,
  );
  for (const failure of server.failures) out.write(`  failure: ${failure}\n`);
  for (const unplayed of server.unplayedTurns()) out.write(`  not played: ${unplayed}\n`);
  return server.failures.length > 0 ? ExitCode.failure : ExitCode.ok;
}
