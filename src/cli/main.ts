#!/usr/bin/env node
/**
 * The `claude-harness` executable. Kept small on purpose: it imports commander and a few tiny modules, and
 * every command loads the rest when it runs (start-up target: `--help` under 150 ms).
 */
import { createActions } from './actions.js';
import type { CommandIO } from './io.js';
import { runCli } from './program.js';
import { handleInterrupts } from './signals.js';

// A reader that went away (`claude-harness --help | head -1`) is no error of ours: stop writing to it,
// quietly, and let the command finish (a run goes on, and its events.jsonl has everything).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stream.destroy();
  });
}

const controller = new AbortController();
let stopNotice: ((text: string) => void) | undefined;
const io: CommandIO = {
  out: process.stdout,
  err: process.stderr,
  env: process.env,
  signal: controller.signal,
  cwd: process.cwd(),
  routeStopNotice: (write) => {
    stopNotice = write;
  },
};
const stopHandlingInterrupts = handleInterrupts({
  source: process,
  controller,
  err: process.stderr,
  exit: (code) => process.exit(code),
  notice: () => stopNotice,
});

const exitCode = await runCli(process.argv.slice(2), io, createActions(io));
stopHandlingInterrupts();
// Set, not process.exit(): let piped output drain before the process ends.
process.exitCode = exitCode;
