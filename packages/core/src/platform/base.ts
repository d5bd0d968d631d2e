import { join } from 'node:path';
import { InputError } from '../errors';
import type { ObjectBackend } from '../store';
import { appendFileEnsuringDir } from './files';
import type {
  ChangeInfo,
  CommentResult,
  CommentTarget,
  DispatchRequest,
  DispatchResult,
  HostedStore,
  Platform,
  PlatformContext,
  PlatformLimits,
  PlatformName,
  PlatformOptions,
  RepositoryRole,
} from './types';

/** What every platform shares: recorded outputs, secret redaction, log plumbing, the token. */
export abstract class BasePlatform implements Platform {
  abstract readonly name: PlatformName;
  abstract readonly context: PlatformContext;
  abstract readonly limits: PlatformLimits;
  protected readonly recorded: Record<string, string> = {};
  private readonly secrets = new Set<string>();
  /** The live set of masked values: records on mcp-meta refuse to hold any of them. */
  readonly masked: ReadonlySet<string> = this.secrets;
  protected readonly write: (line: string) => void;
  protected token = '';

  constructor(protected readonly options: PlatformOptions) {
    this.write = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  input(name: string): string {
    return (this.options.inputs?.[name] ?? '').trim();
  }

  setOutput(name: string, value: string): void {
    this.recorded[name] = value;
  }

  outputs(): Record<string, string> {
    return { ...this.recorded };
  }

  async flush(): Promise<void> {}

  /** Returns whether the secret is new (so that platforms announce each one once). */
  mask(secret: string): boolean {
    // Short values would redact ordinary words; tokens are long.
    if (secret.length < 6 || this.secrets.has(secret)) return false;
    this.secrets.add(secret);
    return true;
  }

  useToken(token: string): void {
    this.token = token;
    if (token) this.mask(token);
  }

  protected redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('***');
    return out;
  }

  info(message: string): void {
    this.write(this.redact(message));
  }

  warning(message: string): void {
    this.write(this.redact(`warning: ${message}`));
  }

  error(message: string): void {
    this.write(this.redact(`error: ${message}`));
  }

  debug(message: string): void {
    if (this.options.env.MCP_DEBUG === '1' || this.options.env.RUNNER_DEBUG === '1') {
      this.write(this.redact(`debug: ${message}`));
    }
  }

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.info(`── ${title}`);
    return fn();
  }

  /** Without a job summary of its own, the summary is a file under `.mcp/` (an artifact on GitLab). */
  async appendSummary(markdown: string): Promise<void> {
    await appendFileEnsuringDir(join(this.context.workspace, '.mcp', 'summary.md'), `${markdown}\n`);
  }

  /** Each CI host keeps one kind of store; a local run has none. GitHub and GitLab override this. */
  hostedStore(store: HostedStore, input: string): ObjectBackend {
    const host = store.kind === 'release' ? 'GitHub release assets' : 'GitLab generic packages';
    const where = { github: 'on GitHub', gitlab: 'on GitLab', local: 'outside GitHub Actions and GitLab CI' };
    const instead = {
      github: 'release, auto or local:<dir>',
      gitlab: 'gitlab-package, auto or local:<dir>',
      local: 'auto (.mcp/store) or local:<dir>',
    };
    throw new InputError(
      `${input}: "${store.kind}" (${host}) is not available ${where[this.name]}; use ${instead[this.name]}`,
      input,
    );
  }

  abstract upsertComment(target: CommentTarget, marker: string, body: string): Promise<CommentResult>;
  abstract getChange(number: number): Promise<ChangeInfo | undefined>;
  abstract role(actor: string): Promise<RepositoryRole | undefined>;
  abstract dispatch(request: DispatchRequest): Promise<DispatchResult>;
}
