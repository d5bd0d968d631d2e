import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { InputError } from '../errors';
import { type Cell, classifyRange, classifyText } from './cells';
import type { ColumnProfiler } from './column';
import type { TableProfiler } from './table';

export interface DelimitedSource {
  stream: Readable;
  /** `<input>: <file>`, the start of every error message. */
  where: string;
  input: string;
  delimiter: ',' | '\t';
}

const QUOTE = 34;
const LF = 10;
/** A record is not complete in the text read so far: wait for more. */
const INCOMPLETE = -1;

/**
 * Streams a CSV/TSV file into the table: RFC 4180 quoting, CRLF or LF, a UTF-8 BOM, blank lines
 * skipped. The first record is the header; a record with another number of fields, or a malformed
 * quote, is an InputError naming the file and line.
 *
 * Records are read as PapaParse 5 reads them, which this reader replaced, so that a file profiles
 * as it did: the line ending is guessed once from the first chunk, a quote opens a quoted field
 * only as its first character, a closing quote may be followed by whitespace before the delimiter
 * or line ending (csv.test.ts checks it against PapaParse). It is hand-written because the
 * profile is what a 10 GiB file waits on, and PapaParse makes a string per cell and an array per
 * record: this reader classifies a cell where it lies in the decoded chunk and makes a string of
 * text cells only.
 */
export async function readDelimited(source: DelimitedSource, table: TableProfiler): Promise<void> {
  const reader = new DelimitedReader(source, table);
  // A StringDecoder keeps a character split between chunks whole (PapaParse decoded each chunk
  // alone, and read such a character as two U+FFFD).
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of source.stream as AsyncIterable<Buffer>) {
    rest = reader.read(rest + decoder.write(chunk), false);
  }
  reader.read(rest + decoder.end(), true);
  reader.finish();
}

class DelimitedReader {
  private readonly delimiter: number;
  /** The line ending, guessed from the first chunk: `\n`, `\r\n` or `\r`. */
  private newline: string | undefined;
  private columns: ColumnProfiler[] | undefined;
  /** Line on which the next record starts (records may span lines inside quotes). */
  private line = 1;
  // The fields of the complete rows of the text being read, row after row: where each lies (inside
  // its quotes, if any), and 0 unquoted, 1 quoted, 2 quoted with doubled quotes inside. Rows are
  // profiled a chunk at a time and column by column: a column's sketches stay in the processor's
  // cache, and its cells, most of one kind, take the same branches. Each column still sees its
  // values in the file's order.
  private starts = new Int32Array(1024);
  private ends = new Int32Array(1024);
  private quoting = new Uint8Array(1024);
  private fields = 0;
  /** The first field of the record being scanned, and the `\n` inside its fields. */
  private recordFirst = 0;
  private lineBreaks = 0;
  /** Where the next delimiter and line ending are in the text being read (−1: none left). */
  private nextDelimiter = -2;
  private nextNewline = -2;

  constructor(
    private readonly source: DelimitedSource,
    private readonly table: TableProfiler,
  ) {
    this.delimiter = source.delimiter.charCodeAt(0);
  }

  /** Profiles every complete record of `text`; returns the rest, the start of an incomplete one. */
  read(text: string, final: boolean): string {
    this.newline ??= guessNewline(text);
    this.nextDelimiter = -2; // not searched yet
    this.nextNewline = -2;
    this.fields = 0;
    let rows = 0;
    let at = 0;
    while (at < text.length) {
      const next = this.scanRecord(text, at, final);
      if (next === INCOMPLETE) {
        this.fields = this.recordFirst;
        break;
      }
      if (this.isRow(text)) rows++;
      else this.fields = this.recordFirst;
      at = next;
    }
    if (rows > 0) this.profileRows(text, rows);
    return at < text.length ? text.slice(at) : '';
  }

  finish(): void {
    if (!this.columns)
      throw new InputError(`${this.source.where} is empty (expected a header row)`, this.source.input);
  }

  fail(line: number, message: string): never {
    throw new InputError(`${this.source.where} line ${line}: ${message}`, this.source.input);
  }

  /**
   * Finds the fields of the record at `at`; returns where the next starts, or INCOMPLETE. Field
   * ends are found with indexOf, which V8 runs far faster than a loop over character codes, and
   * the next delimiter and line ending are remembered until the scan passes them.
   */
  private scanRecord(text: string, at: number, final: boolean): number {
    const length = text.length;
    const newline = this.newline as string;
    this.recordFirst = this.fields;
    this.lineBreaks = 0;
    for (let start = at; ; ) {
      if (text.charCodeAt(start) === QUOTE) {
        const after = this.scanQuoted(text, start, final);
        if (after === INCOMPLETE) return INCOMPLETE;
        if (after < length && text.charCodeAt(after) === this.delimiter) start = after + 1;
        else return this.endRecord(text, at, after); // at a line ending, or the end of the file
        continue;
      }
      let delimiterAt = this.nextDelimiter;
      if (delimiterAt < start && delimiterAt !== -1) {
        delimiterAt = this.nextDelimiter = text.indexOf(this.source.delimiter, start);
      }
      let newlineAt = this.nextNewline;
      if (newlineAt < start && newlineAt !== -1) newlineAt = this.nextNewline = text.indexOf(newline, start);
      if (delimiterAt !== -1 && (delimiterAt < newlineAt || newlineAt === -1)) {
        this.push(start, delimiterAt, 0);
        start = delimiterAt + 1;
      } else if (newlineAt !== -1) {
        this.push(start, newlineAt, 0);
        return this.endRecord(text, at, newlineAt);
      } else {
        if (!final) return INCOMPLETE;
        this.push(start, length, 0);
        return this.endRecord(text, at, length);
      }
    }
  }

  /**
   * The record from `at` ends with the line ending at `end`: where the next starts. A `\n` inside
   * an unquoted field (when lines end in `\r\n` or `\r`) is a line of the file too.
   */
  private endRecord(text: string, at: number, end: number): number {
    const newline = this.newline as string;
    if (newline !== '\n') {
      const lf = text.indexOf('\n', at);
      if (lf !== -1 && lf < end) {
        for (let i = this.recordFirst; i < this.fields; i++) {
          if (this.quoting[i] === 0)
            this.countLineBreaks(text, this.starts[i] as number, this.ends[i] as number);
        }
      }
    }
    return Math.min(end + newline.length, text.length);
  }

  /**
   * Reads the quoted field at `at`; returns where its delimiter or line ending is (or the end of
   * the file), or INCOMPLETE. PapaParse's rules: `""` is a quote; the closing quote is the first
   * other one, followed by whitespace at most, then the delimiter or line ending.
   */
  private scanQuoted(text: string, at: number, final: boolean): number {
    const length = text.length;
    const contentStart = at + 1;
    let doubled = 0;
    let quote = text.indexOf('"', contentStart);
    for (; quote !== -1 && text.charCodeAt(quote + 1) === QUOTE; quote = text.indexOf('"', quote + 2)) {
      doubled = 1;
    }
    if (quote === -1) {
      if (!final) return INCOMPLETE;
      this.fail(this.line, 'Quoted field unterminated');
    }
    // A quote that ends the text ends the file, or is followed by more in the next chunk.
    const after =
      quote === length - 1 ? (final ? length : INCOMPLETE) : this.afterClosingQuote(text, quote + 1);
    if (after === INCOMPLETE) {
      if (!final) return INCOMPLETE;
      this.fail(this.line, 'Trailing quote on quoted field is malformed');
    }
    this.push(contentStart, quote, 1 + doubled);
    this.countLineBreaks(text, contentStart, quote);
    return after;
  }

  /**
   * Where the delimiter or line ending after a closing quote is, past any whitespace; INCOMPLETE
   * when the text ends first. Anything else there is a malformed quote.
   */
  private afterClosingQuote(text: string, from: number): number {
    const length = text.length;
    const newline = this.newline as string;
    for (let at = from; at < length; at++) {
      const code = text.charCodeAt(at);
      if (code === this.delimiter) return at;
      if (code === newline.charCodeAt(0)) {
        if (newline.length === 1) return at;
        if (at + 1 === length) return INCOMPLETE;
        if (text.charCodeAt(at + 1) === LF) return at;
      }
      if (!isWhitespace(code)) this.fail(this.line, 'Trailing quote on quoted field is malformed');
    }
    return INCOMPLETE;
  }

  private countLineBreaks(text: string, from: number, to: number): void {
    for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) {
      this.lineBreaks++;
    }
  }

  private push(start: number, end: number, quoting: number): void {
    const field = this.fields++;
    if (field === this.starts.length) {
      this.starts = grown(this.starts);
      this.ends = grown(this.ends);
      const quotes = new Uint8Array(field * 2);
      quotes.set(this.quoting);
      this.quoting = quotes;
    }
    this.starts[field] = start;
    this.ends[field] = end;
    this.quoting[field] = quoting;
  }

  /** Whether the record just scanned is a row to profile, not a blank line or the header. */
  private isRow(text: string): boolean {
    const line = this.line;
    this.line += 1 + this.lineBreaks;
    const first = this.recordFirst;
    const fields = this.fields - first;
    if (fields === 1 && this.starts[first] === this.ends[first]) return false; // a blank line
    if (!this.columns) {
      const header = Array.from({ length: fields }, (_, i) => this.value(text, first + i));
      this.columns = headerNames(header, line, this).map((name) => this.table.column(name));
      return false;
    }
    if (fields !== this.columns.length) {
      this.fail(line, `has ${fields} fields, expected ${this.columns.length} as in the header`);
    }
    return true;
  }

  private profileRows(text: string, rows: number): void {
    const columns = this.columns as ColumnProfiler[];
    this.table.rows += rows;
    for (let i = 0; i < columns.length; i++) {
      this.profileColumn(text, columns[i] as ColumnProfiler, i, rows, columns.length);
    }
  }

  private profileColumn(
    text: string,
    column: ColumnProfiler,
    first: number,
    rows: number,
    width: number,
  ): void {
    const { starts, ends, quoting } = this;
    for (let row = 0, field = first; row < rows; row++, field += width) {
      if (quoting[field] !== 2) {
        const start = starts[field] as number;
        const end = ends[field] as number;
        const cell = classifyRange(text, start, end);
        if (cell.kind === 'string') column.addText(text.slice(start, end));
        else addCell(column, cell);
      } else {
        const value = this.value(text, field);
        const cell = classifyText(value);
        if (cell.kind === 'string') column.addText(value);
        else addCell(column, cell);
      }
    }
  }

  /** A field's text: quoted ones without their quotes, doubled quotes made single. */
  private value(text: string, field: number): string {
    const value = text.slice(this.starts[field], this.ends[field]);
    return this.quoting[field] === 2 ? value.replaceAll('""', '"') : value;
  }
}

function addCell(column: ColumnProfiler, cell: Cell): void {
  if (cell.kind === 'missing' || cell.kind === 'string') return;
  if (cell.kind === 'boolean') column.addBoolean(cell.value);
  else column.addNumber(cell.kind, cell.value);
}

function grown(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}

/**
 * PapaParse's guess of the line ending from the first chunk: `\n` unless a `\r` comes first (out
 * of quotes), then `\r\n` if at least half the `\r` are followed by `\n`, else `\r`.
 */
function guessNewline(text: string): string {
  const sample = text.slice(0, 2 ** 20).replace(/"[\s\S]*?"/g, '');
  const byCr = sample.split('\r');
  const byLf = sample.split('\n');
  if (byCr.length === 1 || (byLf.length > 1 && (byLf[0] as string).length < (byCr[0] as string).length)) {
    return '\n';
  }
  const followedByLf = byCr.filter((piece) => piece.charCodeAt(0) === LF).length;
  return followedByLf >= byCr.length / 2 ? '\r\n' : '\r';
}

/** What String.prototype.trim removes: the closing quote of a field may be followed by it. */
function isWhitespace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** Header cells as pandas names them: an empty one is `Unnamed: <i>`, a repeat gets `.1`, `.2`, … */
function headerNames(record: string[], line: number, reader: DelimitedReader): string[] {
  const seen = new Set<string>();
  return record.map((raw, i) => {
    const cell = i === 0 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    const base = cell === '' ? `Unnamed: ${i}` : cell;
    let name = base;
    for (let n = 1; seen.has(name); n++) name = `${base}.${n}`;
    seen.add(name);
    if (name.length > 1000) reader.fail(line, `column ${i + 1}'s name is over 1000 characters`);
    return name;
  });
}
