/**
 * Finds where a JSON text goes wrong. `JSON.parse` on Node 20 names a position for some errors only
 * ("Unexpected token '}', … is not valid JSON" has none), so after it fails this small scanner walks the
 * text again to point at the line and column a user can fix.
 */

export interface JsonSyntaxProblem {
  /** Offset of the offending character, in UTF-16 code units (what an editor's "go to" uses). */
  offset: number;
  line: number;
  column: number;
  reason: string;
}

class Fault {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

/** The first syntax problem in `text`, or `undefined` when it is valid JSON. */
export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | undefined {
  const scanner = new Scanner(text);
  try {
    scanner.document();
    return undefined;
  } catch (error) {
    if (!(error instanceof Fault)) throw error;
    return { ...lineAndColumn(text, error.offset), offset: error.offset, reason: error.reason };
  }
}

/** 1-based line and column of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ['true', 'false', 'null'] as const;

class Scanner {
  private at = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.value();
    this.space();
    if (this.at < this.text.length) this.fail('unexpected text after the end of the JSON value');
  }

  private value(): void {
    this.space();
    const char = this.text[this.at];
    if (char === '{') {
      this.object();
      return;
    }
    if (char === '[') {
      this.array();
      return;
    }
    if (char === '"') {
      this.string();
      return;
    }
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
      this.number();
      return;
    }
    for (const literal of LITERALS) {
      if (this.text.startsWith(literal, this.at)) {
        this.at += literal.length;
        return;
      }
    }
    if (char === "'") this.fail('strings need double quotes (") in JSON');
    this.fail('expected a value (a string, number, object, array, true, false or null)');
  }

  private object(): void {
    this.at++;
    this.space();
    if (this.text[this.at] === '}') {
      this.at++;
      return;
    }
    for (;;) {
      this.space();
      if (this.text[this.at] === '}') this.fail("remove the comma before '}'");
      if (this.text[this.at] !== '"') this.fail('expected a key in double quotes');
      this.string();
      this.space();
      if (this.text[this.at] !== ':') this.fail("expected ':' after the key");
      this.at++;
      this.value();
      this.space();
      const char = this.text[this.at];
      this.at++;
      if (char === '}') return;
      if (char !== ',') this.fail("expected ',' or '}' after a value", this.at - 1);
    }
  }

  private array(): void {
    this.at++;
    this.space();
    if (this.text[this.at] === ']') {
      this.at++;
      return;
    }
    for (;;) {
      this.space();
      if (this.text[this.at] === ']') this.fail("remove the comma before ']'");
      this.value();
      this.space();
      const char = this.text[this.at];
      this.at++;
      if (char === ']') return;
      if (char !== ',') this.fail("expected ',' or ']' after a value", this.at - 1);
    }
  }

  private string(): void {
    const start = this.at;
    this.at++;
    for (;;) {
      const char = this.text[this.at];
      if (char === undefined) this.fail('this string is never closed', start);
      if (char === '"') {
        this.at++;
        return;
      }
      if (char < ' ') this.fail('control character inside a string (write \\n or \\t instead)');
      if (char === '\\') {
        const escaped = this.text[this.at + 1];
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.at + 2, this.at + 6))) {
            this.fail('\\u needs four hex digits');
          }
          this.at += 6;
          continue;
        }
        if (escaped === undefined || !'"\\/bfnrt'.includes(escaped)) this.fail('invalid escape in a string');
        this.at += 2;
        continue;
      }
      this.at++;
    }
  }

  private number(): void {
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.text);
    if (match === null || match[0] === '-') this.fail('invalid number');
    this.at += match[0].length;
  }

  private space(): void {
    for (;;) {
      const char = this.text[this.at];
      if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
        this.at++;
      } else if (char === '/' && (this.text[this.at + 1] === '/' || this.text[this.at + 1] === '*')) {
        this.fail('comments are not allowed in JSON');
      } else {
        return;
      }
    }
  }

  private fail(reason: string, offset = this.at): never {
    throw new Fault(
      offset,
      this.at >= this.text.length && offset >= this.text.length ? 'unexpected end of file' : reason,
    );
  }
}
