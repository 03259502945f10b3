import { describe, expect, it } from 'vitest';
import { cleanTerminalText, terminalSafeJson } from '../../src/report/terminal-text.js';

const ESC = '\u001b';
const BEL = '\u0007';
const ST = `${ESC}\\`;

/** Every ESC, C0 control but newline and tab, DEL and C1 control. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL_BYTES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('cleanTerminalText', () => {
  const cases: [name: string, input: string, expected: string][] = [
    ['OSC 52 (clipboard), BEL-terminated', `a${ESC}]52;c;ZWNobyBoaQ==${BEL}b`, 'ab'],
    ['OSC 52, ST-terminated', `a${ESC}]52;c;ZWNobyBoaQ==${ST}b`, 'ab'],
    ['OSC 8 (hyperlink) around text', `${ESC}]8;;http://evil.example${ST}click${ESC}]8;;${ST}`, 'click'],
    ['OSC 0 (window title)', `${ESC}]0;pwned${BEL}title`, 'title'],
    ['CSI 2J (clear screen) and cursor home', `x${ESC}[2J${ESC}[Hy`, 'xy'],
    ['SGR colours of a test runner', `${ESC}[32m✓${ESC}[0m 3 passed`, '✓ 3 passed'],
    ['CSI with private parameters', `${ESC}[?1049h${ESC}[?25l`, ''],
    ['8-bit CSI', 'a\u009b2Jb', 'ab'],
    ['8-bit OSC ended by 8-bit ST', 'a\u009d0;title\u009cb', 'ab'],
    ['8-bit OSC ended by BEL', `a\u009d52;c;eA==${BEL}b`, 'ab'],
    ['DCS', `a${ESC}P+q544e${ST}b`, 'ab'],
    ['8-bit DCS', 'a\u0090qpayload\u009cb', 'ab'],
    ['APC, PM and SOS', `a${ESC}_apc${ST}b${ESC}^pm${ST}c${ESC}Xsos${ST}d`, 'abcd'],
    ['8-bit APC, PM, SOS', 'a\u009fx\u009cb\u009ey\u009cc\u0098z\u009cd', 'abcd'],
    ['unterminated OSC: up to the end of its line only', `a${ESC}]52;c;eA==\nnext line`, 'a\nnext line'],
    ['unterminated CSI at the end', `a${ESC}[2`, 'a'],
    ['other escape sequences (RIS, charset, DECALN)', `a${ESC}cb${ESC}(Bc${ESC}#8d`, 'abcd'],
    ['a lone ESC is shown', `end${ESC}`, 'end␛'],
    ['BEL, backspace and a lone CR are shown', `a${BEL}b\bc\rd`, 'a␇b␈c␍d'],
    ['a CR ending a line is dropped', 'one\r\ntwo\r\n', 'one\ntwo\n'],
    ['DEL is shown', 'a\u007fb', 'a␡b'],
    ['C1 controls without a sequence are shown', 'a\u0085b\u0080c', 'a�b�c'],
    ['newline and tab stay', 'a\tb\nc', 'a\tb\nc'],
    ['plain text is untouched', 'héllo — wörld ✓ │ …', 'héllo — wörld ✓ │ …'],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    const cleaned = cleanTerminalText(input);
    expect(cleaned).toBe(expected);
    expect(cleaned).not.toMatch(CONTROL_BYTES);
  });

  it('leaves no control byte in any text (every code point below U+00A0 after an ESC or a C1 introducer)', () => {
    for (let a = 0; a < 0xa0; a++) {
      for (const lead of [ESC, '\u009b', '\u009d', '\u0090', '']) {
        const text = `x${lead}${String.fromCharCode(a)}${lead}y`;
        expect(cleanTerminalText(text)).not.toMatch(CONTROL_BYTES);
      }
    }
  });

  it('returns text without control characters as the same string', () => {
    const text = 'nothing to clean here'.repeat(100);
    expect(cleanTerminalText(text)).toBe(text);
  });
});

describe('terminalSafeJson', () => {
  it('escapes ESC, C1, DEL and line separators and parses back to the same value', () => {
    const value = { text: `${ESC}]52;c;eA==${BEL} \u009b2J \u0085 \u007f \u2028`, n: 1 };
    const json = terminalSafeJson(value);
    expect(json).not.toMatch(CONTROL_BYTES);
    expect(json).not.toMatch(/[\u2028\u2029]/);
    expect(json).toContain('\\u009b2J');
    expect(JSON.parse(json)).toEqual(value);
    expect(terminalSafeJson({ a: [1] }, 2)).toBe(JSON.stringify({ a: [1] }, null, 2));
  });
});
