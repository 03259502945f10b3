/**
 * The live view as a person sees it: the built CLI runs in a real pseudo-terminal (util-linux `script`), and
 * a terminal emulator (@xterm/headless) replays what it wrote. With CI set, the same terminal gets plain
 * lines and not one escape code; Ctrl+C leaves a clean log.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import xterm from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../src/testing/fake-anthropic/index.js';
import {
  CLI_MAIN,
  type HarnessRun,
  harnessArgs,
  harnessEnv,
  processesWithArg,
} from '../helpers/cli-process.js';
import { tempDir } from '../helpers/engine-env.js';
import { bash, initializerSession, longRunning, passingSession, sessions } from '../helpers/scenarios.js';

const ONE = [{ description: 'say hello' }];
const COLUMNS = 100;

/** Starts the CLI with its stdout and stderr on a pseudo-terminal `COLUMNS` wide. */
function startInTerminal(args: string[], env: NodeJS.ProcessEnv) {
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const command = `stty cols ${COLUMNS} rows 30; exec ${[process.execPath, CLI_MAIN, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let raw = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk;
  });
  const done = new Promise<{ code: number | null; raw: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, raw })),
  );
  return {
    done,
    output: () => raw,
    /** The CLI's pid: `script` runs `sh -c`, which execs the CLI. */
    cliPid: () => Number(execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).trim()),
  };
}

/** Every line of the emulated terminal, scrollback included, after replaying `raw`. */
async function screenLines(raw: string): Promise<string[]> {
  const term = new xterm.Terminal({ cols: COLUMNS, rows: 30, scrollback: 5000, allowProposedApi: true });
  await new Promise<void>((resolve) => term.write(raw, resolve));
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
  return lines;
}

const PLANNED_AND_BUILT = sessions(
  initializerSession(ONE),
  passingSession(ONE, ['F001'], [{ content: [bash('ls')] }, { content: [bash('git status --short')] }]),
);

async function scriptedRun(
  extraEnv: Record<string, string>,
  scenario = PLANNED_AND_BUILT,
  meanwhile: (terminal: ReturnType<typeof startInTerminal>) => Promise<void> = async () => {},
) {
  const work = await tempDir('ch-live-');
  const config = await tempDir('ch-cfg-');
  const projectDir = join(work.path, 'app');
  await writeFile(join(work.path, 'spec.md'), 'Hello.\n');
  const server = await startFakeAnthropic({ variables: { projectDir }, scenario });
  try {
    const run: HarnessRun = {
      projectDir,
      spec: join(work.path, 'spec.md'),
      serverUrl: server.url,
      configDir: config.path,
      env: { TERM: 'xterm-256color', ...extraEnv },
    };
    const terminal = startInTerminal(harnessArgs(run), harnessEnv(run));
    await meanwhile(terminal);
    return await terminal.done;
  } finally {
    await server.close();
    await work[Symbol.asyncDispose]();
    await config[Symbol.asyncDispose]();
  }
}

describe('the live view in a terminal', () => {
  it('draws the status block under the log while sessions run, and leaves a clean log behind', async () => {
    const { code, raw } = await scriptedRun({});
    expect(code).toBe(0);
    // While the coding session ran, the block showed it and the run's figures.
    expect(raw).toContain('▶ session 2 · coding F001, attempt 1 · ');
    expect(raw).toMatch(/\[░{20}\] 0% · 0\/1 passing · 0 skipped · [\d,]+ tokens · \$/);
    // Mid-run, just after a tool call was logged (up to the next redraw), the block sits right under it.
    const call = raw.indexOf('→ Bash git status --short');
    const afterCall = (await screenLines(raw.slice(0, raw.indexOf('\r\x1b[1A\x1b[J', call)))).filter(
      (l) => l.trim() !== '',
    );
    expect(afterCall.at(-3)).toBe('  → Bash git status --short');
    expect(afterCall.at(-2)).toMatch(
      /^\[░{20}\] 0% · 0\/1 passing · 0 skipped · [\d,]+ tokens · \$0\.\d{4}$/,
    );
    // A turn counts once its response has ended (its final usage, in the stream's message_delta, comes just
    // after the call is logged): the session's first response (`ls`) has, the one making this call not yet.
    expect(afterCall.at(-1)).toMatch(/^▶ session 2 · coding F001, attempt 1 · \d+ s · 1 turn$/);
    const lines = await screenLines(raw);
    // What stays on the screen is the log, in order, with no block left in it.
    const log = lines.filter((l) => l.trim() !== '');
    const order = [
      '── session 1 (initializer)',
      '── session 2 (coding F001',
      '  → Bash ls',
      '✓ F001 passes',
      '✓ All 1 features pass.',
      'Sessions: 2',
    ];
    const positions = order.map((text) => log.findIndex((l) => l.includes(text)));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    // (The log's own `▶ session 2 (coding …) started` lines stay; the block's `▶ session 2 · …` does not.)
    expect(log.filter((l) => /^▶ session \d+ · /.test(l))).toEqual([]);
    expect(log.filter((l) => l.startsWith('… next session'))).toEqual([]);
  });

  it('Ctrl+C: the notice and the stop line land in the log, and the block is gone', async () => {
    const marker = `ch-live-wait-${process.pid}`;
    const { code, raw } = await scriptedRun(
      {},
      sessions(initializerSession(ONE), longRunning(marker)),
      async (t) => {
        await expect
          .poll(() => t.output().includes(`→ Bash node wait.js ${marker}`), { timeout: 30_000 })
          .toBe(true);
        process.kill(t.cliPid(), 'SIGINT');
      },
    );
    expect(code).toBe(130);
    const log = (await screenLines(raw)).filter((l) => l.trim() !== '');
    const notice = log.findIndex((l) => l.includes('Stopping… press Ctrl+C again to exit now'));
    const stopped = log.findIndex((l) => l.startsWith('Stopped. Nothing is lost'));
    expect(notice).toBeGreaterThan(log.findIndex((l) => l.includes(`→ Bash node wait.js ${marker}`)));
    expect(stopped).toBeGreaterThan(notice);
    // Not one line of the block is left, above the notice or anywhere else.
    expect(log.filter((l) => /^▶ session \d+ · |^\[[█▒░]{20}\]/.test(l))).toEqual([]);
    expect(processesWithArg(marker)).toEqual([]);
  });

  it('with CI set, the same terminal gets plain lines and no escape codes', async () => {
    const { code, raw } = await scriptedRun({ CI: 'true' });
    expect(code).toBe(0);
    expect(raw).not.toContain('\x1b');
    expect(raw).not.toMatch(/▶ session \d+ · /);
    expect(raw).toContain('✓ All 1 features pass.');
  });
});
