/**
 * What the harness found wrong with its own files and repaired on the way: a planted link it removed instead
 * of following (safe-fs.ts), a record it could not read and recovered (records.ts). The layers that find
 * these have no log of their own, so they report here; the run subscribes once (a log line and a `tamper`
 * event each) and gets what was found before it subscribed as well.
 */

export type IntegrityNotice =
  | {
      kind: 'link';
      /** Project-relative path of the link. */
      file: string;
      /** Where it pointed (never followed). */
      target: string;
      message: string;
    }
  | {
      /** A hard link, a FIFO, a device or a folder where the harness expects a plain file. */
      kind: 'not-a-file';
      file: string;
      message: string;
    }
  | {
      kind: 'recovered';
      file: string;
      /** Where the record came from: its last good copy, or what it was rebuilt from. */
      from: string;
      message: string;
    };

type Listener = (notice: IntegrityNotice) => void;

const listeners = new Set<Listener>();
/** Notices from before anyone listened (the run lock and the spec copy are written before the log opens). */
const pending: IntegrityNotice[] = [];
const MAX_PENDING = 100;

let exitHookSet = false;

/** Called by the file layers when they repaired something. */
export function reportIntegrity(notice: IntegrityNotice): void {
  if (listeners.size === 0) {
    if (pending.length < MAX_PENDING) pending.push(notice);
    if (!exitHookSet) {
      exitHookSet = true;
      // A command that never listens (status, report) still says what was repaired, on stderr.
      process.on('exit', () => {
        for (const left of pending.splice(0)) process.stderr.write(`claude-harness: ${left.message}\n`);
      });
    }
    return;
  }
  for (const listener of listeners) listener(notice);
}

/** Subscribes `listener`, first handing it every notice reported so far. Returns the unsubscribe. */
export function onIntegrityNotice(listener: Listener): () => void {
  listeners.add(listener);
  for (const notice of pending.splice(0)) listener(notice);
  return () => {
    listeners.delete(listener);
  };
}

/**
 * Subscribes the usual report: one `tamper` event (`changes`, `file`, and `linkTarget` or `recoveredFrom`)
 * and one line for people per notice. Returns the unsubscribe.
 */
export function reportIntegrityTo(
  events: { append(record: { type: string; [field: string]: unknown }): void },
  writeLine: (line: string) => void,
): () => void {
  return onIntegrityNotice((notice) => {
    events.append({
      type: 'tamper',
      changes: [notice.message],
      file: notice.file,
      ...(notice.kind === 'link' ? { linkTarget: notice.target } : {}),
      ...(notice.kind === 'recovered' ? { recoveredFrom: notice.from } : {}),
    });
    writeLine(`${notice.kind === 'recovered' ? '↺' : '⛔'} ${notice.message}\n`);
  });
}
