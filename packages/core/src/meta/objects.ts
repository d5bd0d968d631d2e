import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { MetaBranchError } from './errors';

export interface GitObject {
  oid: string;
  type: string;
  content: Buffer;
}

interface Pending {
  resolve: (object: GitObject | undefined) => void;
  reject: (error: Error) => void;
}

/** One `git cat-file --batch` process and the requests it has yet to answer, in order. */
interface Session {
  child: ChildProcessWithoutNullStreams;
  pending: Pending[];
  chunks: Buffer[];
  length: number;
  /** Bytes the answer at the head of the queue needs before it can be parsed. */
  need: number;
}

/**
 * Reads objects through one `git cat-file --batch` per burst of reads. A write is raced from
 * fetch to push, and a process per read (tip, listings, the records, the last audit event) would
 * widen that window; requests are pipelined and answered in order. The process ends as soon as no
 * read is pending, so an idle reader never keeps Node running; the next read starts another.
 */
export class ObjectReader {
  private session: Session | undefined;

  constructor(
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The object a revision names (`<commit>:<path>`, `<ref>^{commit}`), or undefined when there is none. */
  get(name: string): Promise<GitObject | undefined> {
    if (/[\n\r]/.test(name))
      return Promise.reject(new MetaBranchError(`cannot read ${JSON.stringify(name)}`));
    const session = this.session ?? this.start();
    return new Promise((resolve, reject) => {
      session.pending.push({ resolve, reject });
      session.child.stdin.write(`${name}\n`);
    });
  }

  private start(): Session {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: this.cwd, env: this.env });
    const session: Session = { child, pending: [], chunks: [], length: 0, need: 0 };
    this.session = session;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout.on('data', (chunk: Buffer) => {
      session.chunks.push(chunk);
      session.length += chunk.length;
      if (session.length >= session.need) this.answer(session);
    });
    child.stdin.on('error', () => {}); // the 'close' below reports it
    const fail = (why: string) => {
      if (this.session === session) this.session = undefined;
      for (const waiting of session.pending.splice(0)) waiting.reject(new MetaBranchError(why));
    };
    child.on('error', (error: NodeJS.ErrnoException) =>
      fail(error.code === 'ENOENT' ? 'git is not installed or not on PATH' : error.message),
    );
    child.on('close', (code) =>
      fail(`cannot read mcp-meta: ${stderr.trim() || `git cat-file exited with code ${code}`}`),
    );
    return session;
  }

  /** Answers that are complete: `<oid> <type> <size>\n<bytes>\n`, or `<name> missing\n`. */
  private answer(session: Session): void {
    let buffer = session.chunks.length === 1 ? (session.chunks[0] as Buffer) : Buffer.concat(session.chunks);
    while (session.pending.length > 0) {
      const eol = buffer.indexOf(0x0a);
      if (eol < 0) break;
      const header = buffer.toString('utf8', 0, eol).split(' ');
      const size = Number(header[2]);
      let object: GitObject | undefined;
      let used = eol + 1;
      if (header.length === 3 && Number.isInteger(size)) {
        if (buffer.length < used + size + 1) {
          session.need = used + size + 1;
          break;
        }
        object = { oid: header[0] ?? '', type: header[1] ?? '', content: buffer.subarray(used, used + size) };
        used += size + 1;
      }
      buffer = buffer.subarray(used);
      session.need = 0;
      session.pending.shift()?.resolve(object);
    }
    session.chunks = buffer.length > 0 ? [buffer] : [];
    session.length = buffer.length;
    if (session.pending.length > 0) return;
    // Idle: let the process go. Reads chained on the answers just given start before this runs.
    setImmediate(() => {
      if (session.pending.length === 0 && this.session === session) {
        this.session = undefined;
        session.child.stdin.end();
      }
    });
  }
}
