import type {
  CommentResult,
  CommentTarget,
  Platform,
  PlatformContext,
  PlatformLimits,
  PlatformName,
  PlatformOptions,
} from './types';

/** What every platform shares: recorded outputs, secret redaction, log plumbing. */
export abstract class BasePlatform implements Platform {
  abstract readonly name: PlatformName;
  abstract readonly context: PlatformContext;
  abstract readonly limits: PlatformLimits;
  protected readonly recorded: Record<string, string> = {};
  private readonly secrets = new Set<string>();
  protected readonly write: (line: string) => void;

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

  mask(secret: string): void {
    // Short values would redact ordinary words; tokens are long.
    if (secret.length >= 6) this.secrets.add(secret);
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

  abstract appendSummary(markdown: string): Promise<void>;
  abstract upsertComment(target: CommentTarget, marker: string, body: string): Promise<CommentResult>;
  abstract getChange(
    number: number,
  ): Promise<{ number: number; headSha: string; baseRef: string } | undefined>;
}
