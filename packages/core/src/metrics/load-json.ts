import { fail, type LeafReader, type Origin, placeOf } from './load-tree';

/*
 * JSON.parse builds the values, but two things need a look at the text first:
 * - Python's json module writes bare NaN, Infinity and -Infinity, which JSON.parse rejects;
 *   they must reach the user as "metric "loss" is NaN", not as a syntax error.
 * - JSON.parse's messages differ between Node versions (Node 20: "at position N"; Node 22+
 *   adds line/column; "Unexpected token" gives no position at all), and duplicate keys are
 *   silently dropped. This scanner finds the first error itself, so every Node prints the same.
 */

const SPECIAL = '\u0000mcp:';
const WORD = /[A-Za-z_$][\w$]*/y;
const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

interface Special {
  start: number;
  end: number;
  word: string;
}

class JsonSyntaxError {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

export function parseJson(text: string, origin: Origin): unknown {
  let specials: Special[];
  try {
    specials = scan(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return fail(origin, error.reason, placeOf(text, error.offset));
  }
  let replaced = '';
  let from = 0;
  for (const { start, end, word } of specials) {
    replaced += `${text.slice(from, start)}${JSON.stringify(SPECIAL + word)}`;
    from = end;
  }
  return JSON.parse(replaced + text.slice(from));
}

export const readJsonLeaf: LeafReader = (leaf) => {
  if (typeof leaf === 'number') return leaf;
  if (typeof leaf === 'string' && leaf.startsWith(SPECIAL)) return Number(leaf.slice(SPECIAL.length));
  return undefined;
};

function scan(text: string): Special[] {
  const specials: Special[] = [];
  let i = 0;

  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const found = (at: number): string => {
    if (at >= text.length) return 'the end of the file';
    if (text.charAt(at) === '"') return `the string ${/^"[^"\n]{0,40}"?/.exec(text.slice(at))?.[0]}`;
    return JSON.stringify(/^[\w.+$-]+/.exec(text.slice(at))?.[0] ?? text.charAt(at));
  };
  const expect = (what: string): never => {
    throw new JsonSyntaxError(i, `expected ${what}, found ${found(i)}`);
  };

  const string = (): string => {
    const start = i++;
    let value = '';
    for (;;) {
      if (i >= text.length) throw new JsonSyntaxError(start, 'unterminated string');
      const c = text.charAt(i);
      if (c === '"') {
        i++;
        return value;
      }
      if (c < ' ')
        throw new JsonSyntaxError(i, 'a line break or control character inside a string (escape it)');
      if (c === '\\') {
        const escaped = text.charAt(i + 1);
        if (escaped === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          value += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else if (escaped !== '' && '"\\/bfnrt'.includes(escaped)) {
          value += escaped;
          i += 2;
        } else throw new JsonSyntaxError(i, `invalid escape "${text.slice(i, i + 2)}" in a string`);
      } else {
        value += c;
        i++;
      }
    }
  };

  const value = (): void => {
    space();
    const c = text.charAt(i);
    if (c === '{') object();
    else if (c === '[') array();
    else if (c === '"') string();
    else literal();
  };

  const literal = (): void => {
    const start = i;
    if (text.startsWith('-Infinity', i)) WORD.lastIndex = i + 1;
    else WORD.lastIndex = i;
    const word = WORD.exec(text)?.[0];
    if (word !== undefined) {
      if (word === 'NaN' || word === 'Infinity') {
        i = WORD.lastIndex;
        specials.push({ start, end: i, word: text.slice(start, i) });
      } else if (word === 'true' || word === 'false' || word === 'null') i = WORD.lastIndex;
      else
        throw new JsonSyntaxError(
          start,
          `unexpected ${found(start)} (expected a value: a number, a string, true, false, null, an object or a list)`,
        );
      return;
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(text)?.[0];
    if (number === undefined) expect('a value');
    i = NUMBER.lastIndex;
    if (/[\w.]/.test(text.charAt(i)))
      throw new JsonSyntaxError(
        start,
        `invalid number ${JSON.stringify(/^[-\w.+]+/.exec(text.slice(start))?.[0])}`,
      );
  };

  const object = (): void => {
    i++;
    const keys = new Map<string, number>();
    space();
    if (text.charAt(i) === '}') {
      i++;
      return;
    }
    for (;;) {
      space();
      if (text.charAt(i) !== '"') expect('a property name in double quotes');
      const at = i;
      const key = string();
      const first = keys.get(key);
      if (first !== undefined) {
        const { line, column } = placeOf(text, first);
        throw new JsonSyntaxError(
          at,
          `duplicate key ${JSON.stringify(key)} (first at line ${line}, column ${column})`,
        );
      }
      keys.set(key, at);
      space();
      if (text.charAt(i) !== ':') expect('":" after the property name');
      i++;
      value();
      space();
      const next = text.charAt(i);
      i++;
      if (next === '}') return;
      if (next !== ',') {
        i--;
        expect('"," or "}" after a property value');
      }
    }
  };

  const array = (): void => {
    i++;
    space();
    if (text.charAt(i) === ']') {
      i++;
      return;
    }
    for (;;) {
      value();
      space();
      const next = text.charAt(i);
      i++;
      if (next === ']') return;
      if (next !== ',') {
        i--;
        expect('"," or "]" after a list item');
      }
    }
  };

  value();
  space();
  if (i < text.length) throw new JsonSyntaxError(i, `unexpected ${found(i)} after the end of the JSON value`);
  return specials;
}
