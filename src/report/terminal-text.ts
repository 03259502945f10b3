/**
 * Text the agent controls (its Bash output, a feature's description, a `feature_fail` reason, a test's
 * output…) is printed by the harness into the user's terminal. Left raw, it could drive the terminal: OSC 52
 * writes the clipboard, OSC 8 plants hyperlinks, OSC 0 retitles the window, CSI 2J clears the screen.
 * `cleanTerminalText` makes such text inert; `terminalSafeJson` does the same for a JSON line.
 *
 * What `cleanTerminalText` does, in one pass:
 * - Whole escape sequences are removed, with their payload: CSI (`ESC [` or the 8-bit U+009B) up to its
 *   final byte; the string sequences OSC, DCS, SOS, PM and APC (`ESC ]`, `ESC P`, `ESC X`, `ESC ^`, `ESC _`
 *   or U+009D, U+0090, U+0098, U+009E, U+009F) up to BEL, ST (`ESC \` or U+009C) or — unterminated — the end
 *   of the line (the newline stays, so no later line is swallowed); any other `ESC` + intermediates + final.
 *   Colours in a test runner's output go too, which is what a log wants.
 * - Every other control character is shown visibly, never passed on: the C0 controls other than newline
 *   and tab as their Unicode Control Pictures (`␛` for a lone ESC, `␍` for CR, `␇` for BEL…), DEL as `␡`,
 *   and the C1 controls (U+0080–U+009F, which have no picture) as `�`. A CR that ends a line (`\r\n`) is
 *   dropped, so Windows line ends stay readable.
 * Text without any control character is returned as it is (the common case costs one regex test).
 */

/** The C0 controls but newline and tab, DEL, and C1. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const SEQUENCE_OR_CONTROL = new RegExp(
  [
    // OSC, DCS, SOS, PM, APC: a string up to BEL or ST, or to the end of the line when unterminated.
    '(?:\\u001b[\\]PX^_]|[\\u0090\\u0098\\u009d\\u009e\\u009f])[^\\u0007\\u001b\\u009c\\n]*(?:\\u0007|\\u001b\\\\|\\u009c)?',
    // CSI: parameters, intermediates, final byte (a cut-off one without its final byte too).
    '(?:\\u001b\\[|\\u009b)[\\u0030-\\u003f]*[\\u0020-\\u002f]*[\\u0040-\\u007e]?',
    // Any other escape sequence: ESC, intermediates, final byte (ESC c, ESC 7, ESC ( B, ESC # 8…).
    '\\u001b[\\u0020-\\u002f]*[\\u0030-\\u007e]',
    // Any control character left (a lone ESC, CR, BEL, C1…).
    '[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]',
  ].join('|'),
  'g',
);

function replacement(match: string, offset: number, whole: string): string {
  // A whole sequence is removed. (A C1 introducer with nothing after it is one character: shown below.)
  if (match.length > 1) return '';
  const code = match.charCodeAt(0);
  // A CR that ends a line is dropped; any other is shown.
  if (code === 0x0d && whole.charCodeAt(offset + 1) === 0x0a) return '';
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return '\ufffd';
}

/** `text` with terminal control sequences removed and other control characters shown visibly (see above). */
export function cleanTerminalText(text: string): string {
  if (!CONTROL.test(text)) return text;
  return text.replace(SEQUENCE_OR_CONTROL, replacement);
}

/** DEL, C1 and the two line separators JSON.stringify leaves raw (it escapes U+0000–U+001F itself). */
const JSON_RAW = /[\u007f-\u009f\u2028\u2029]/g;

/**
 * `JSON.stringify(value, null, space)` with DEL, the C1 controls and U+2028/U+2029 escaped as `\uXXXX` as
 * well, so that a `cat` of the line cannot drive a terminal. It parses to the same value.
 */
export function terminalSafeJson(value: unknown, space?: number): string {
  // `undefined` (or a function) has no JSON text: `null` stands for it, as in an array.
  const json = JSON.stringify(value, null, space) ?? 'null';
  return json.replace(JSON_RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
