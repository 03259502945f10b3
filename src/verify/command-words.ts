/**
 * Splits a proof command into argv the way a shell would, for the narrow subset where the shell would do
 * nothing else: plain words, single quotes, double quotes without `$`, `` ` `` or `\`. Every character that
 * would make the shell do more (run a second command, redirect, substitute, expand a glob or `~`, start a
 * comment) is refused with a reason, so for an accepted string the harness's argv and the shell's are the
 * same. The harness then spawns that argv itself, never through a shell.
 *
 * This is deliberately not the full bash analyzer of `src/guards/shell`: a test command has no business
 * being anything but one simple command, and a synchronous tokenizer keeps `checkTestCommand` synchronous.
 */

export type Tokenized = { ok: true; argv: string[] } | { ok: false; reason: string };

/** Why each refused character is refused, as told to the agent. */
const REFUSED: Readonly<Record<string, string>> = {
  ';': '`;` starts a second command (`…; exit 0` would hide the result)',
  '&': '`&` / `&&` runs more than one command or runs it in the background',
  '|': '`|` / `||` pipes or chains commands (`… || true` would hide a failure)',
  '<': '`<` redirects input',
  '>': '`>` redirects output',
  $: '`$` substitutes a variable or a command',
  '`': 'a backquote substitutes a command',
  '\\': 'a backslash escape (quote the word instead)',
  '(': '`(` starts a subshell or a function',
  ')': '`)` belongs to a subshell or a function',
  '{': '`{` starts a block or a brace expansion',
  '}': '`}` ends a block or a brace expansion',
  '*': '`*` is a glob pattern (name the test files instead)',
  '?': '`?` is a glob pattern (name the test files instead)',
  '[': '`[` starts a glob pattern (name the test files instead)',
  ']': '`]` ends a glob pattern',
  '~': '`~` expands to a home folder',
  '!': '`!` negates a command or expands history',
  '#': '`#` starts a comment',
  '\n': 'a newline separates commands',
  '\r': 'a carriage return separates commands',
};

/** Characters refused even inside double quotes (the shell still expands them there). */
const REFUSED_IN_DOUBLE_QUOTES = new Set(['$', '`', '\\', '!']);

export function tokenizeCommand(command: string): Tokenized {
  const argv: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < command.length) {
    const char = command[i] as string;
    if (char === ' ' || char === '\t') {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
      i += 1;
      continue;
    }
    if (char === "'") {
      const end = command.indexOf("'", i + 1);
      if (end === -1) return refuse('it has an unterminated single quote');
      const quoted = command.slice(i + 1, end);
      if (/[\r\n]/.test(quoted)) return refuse(REFUSED['\n'] as string);
      word += quoted;
      inWord = true;
      i = end + 1;
      continue;
    }
    if (char === '"') {
      const end = command.indexOf('"', i + 1);
      if (end === -1) return refuse('it has an unterminated double quote');
      const quoted = command.slice(i + 1, end);
      for (const inner of quoted) {
        if (REFUSED_IN_DOUBLE_QUOTES.has(inner)) {
          return refuse(`${REFUSED[inner] ?? `\`${inner}\``} (even inside double quotes)`);
        }
        if (inner === '\n' || inner === '\r') return refuse(REFUSED['\n'] as string);
      }
      word += quoted;
      inWord = true;
      i = end + 1;
      continue;
    }
    const why = REFUSED[char];
    // `#` only starts a comment at the start of a word; anywhere else it is literal (`a#b`).
    if (why !== undefined && !(char === '#' && inWord)) return refuse(why);
    if (char.charCodeAt(0) < 0x20) return refuse('it contains a control character');
    word += char;
    inWord = true;
    i += 1;
  }
  if (inWord) argv.push(word);
  if (argv.length === 0) return refuse('it is empty');
  return { ok: true, argv };
}

function refuse(why: string): Tokenized {
  return {
    ok: false,
    reason: `a test command must be one plain command with no shell syntax, and this one is not: ${why}`,
  };
}
