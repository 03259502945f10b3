/**
 * Ctrl+C handling: the first SIGINT or SIGTERM aborts the run's signal so the session can stop cleanly and
 * save its state; a second one exits at once with 130.
 */
import { ExitCode, InterruptedError } from '../errors/index.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface InterruptOptions {
  /** Where the signals arrive: `process` in the CLI, an EventEmitter in tests. */
  source: {
    on(event: StopSignal, listener: () => void): unknown;
    off(event: StopSignal, listener: () => void): unknown;
  };
  controller: AbortController;
  err: NodeJS.WritableStream;
  exit: (code: number) => void;
  /**
   * Who prints the notice of the first signal instead of `err`, when someone does: the live view, which owns
   * the terminal and prints it above its status block.
   */
  notice?: () => ((text: string) => void) | undefined;
}

export const STOPPING_MESSAGE = 'Stopping… press Ctrl+C again to exit now';

/** Installs the handlers; returns a function that removes them. */
export function handleInterrupts({ source, controller, err, exit, notice }: InterruptOptions): () => void {
  const listeners = new Map<StopSignal, () => void>();
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    const listener = () => {
      if (controller.signal.aborted) {
        exit(ExitCode.interrupted);
        return;
      }
      const say = notice?.();
      if (say) {
        say(`${STOPPING_MESSAGE}\n`);
      } else {
        // In a terminal the line would otherwise follow the echoed ^C.
        const lead = (err as { isTTY?: boolean }).isTTY ? '\n' : '';
        err.write(`${lead}${STOPPING_MESSAGE}\n`);
      }
      controller.abort(new InterruptedError(`Interrupted by ${name}.`));
    };
    listeners.set(name, listener);
    source.on(name, listener);
  }
  return () => {
    for (const [name, listener] of listeners) source.off(name, listener);
  };
}
