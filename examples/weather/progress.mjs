// The demo's progress display: one line per step with a spinner and the elapsed time while it
// runs (on a terminal), its result when done; a command's log lines stream dimmed with --verbose.
const tty = process.stdout.isTTY === true;
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const dim = (s) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const color = (code, s) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);

export class Progress {
  constructor({ total, verbose }) {
    this.total = total;
    this.verbose = verbose;
    this.n = 0;
    this.started = performance.now();
    this.timer = undefined;
    this.title = '';
  }

  prefix() {
    return dim(`[${String(this.n).padStart(2)}/${this.total}]`);
  }

  start(title) {
    this.n++;
    this.title = title;
    const began = performance.now();
    if (!tty) {
      process.stdout.write(`${this.prefix()} ${title} …\n`);
      return;
    }
    let frame = 0;
    const draw = () => {
      const seconds = ((performance.now() - began) / 1000).toFixed(1);
      process.stdout.write(
        `\r\x1b[2K${this.prefix()} ${color(36, FRAMES[frame++ % FRAMES.length])} ${title} ${dim(`${seconds}s`)}`,
      );
    };
    draw();
    this.timer = setInterval(draw, 100);
  }

  clear() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (tty) process.stdout.write('\r\x1b[2K');
  }

  done(line, seconds) {
    this.clear();
    process.stdout.write(
      `${this.prefix()} ${color(32, '✔')} ${bold(this.title)} ${dim(`(${seconds.toFixed(1)}s)`)}\n`,
    );
    if (line) process.stdout.write(`        ${line}\n`);
  }

  fail(message) {
    this.clear();
    process.stdout.write(
      `${this.prefix()} ${color(31, '✘')} ${bold(this.title)}\n${message.replace(/^/gm, '        ')}\n`,
    );
  }

  /** A command's stderr: shown only with --verbose (it is always in the step's log file). */
  output(text) {
    if (!this.verbose) return;
    if (tty) process.stdout.write('\r\x1b[2K');
    process.stdout.write(dim(text.replace(/^/gm, '        │ ')));
    if (!text.endsWith('\n')) process.stdout.write('\n');
  }

  block(text) {
    process.stdout.write(`\n${text.trimEnd()}\n\n`);
  }

  end(lines) {
    this.clear();
    const seconds = ((performance.now() - this.started) / 1000).toFixed(0);
    process.stdout.write(`${bold(`Done in ${seconds}s.`)}\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
  }
}
