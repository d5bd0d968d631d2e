import { McpError } from '../errors';

/** The metadata branch could not be read or written: git failed, or the push never landed. */
export class MetaBranchError extends McpError {
  override name = 'MetaBranchError';
}

/** A record already on mcp-meta would change: records are append-only. */
export class RecordConflict extends McpError {
  override name = 'RecordConflict';
  constructor(readonly path: string) {
    super(`mcp-meta already holds ${path} with different content; records are append-only`);
  }
}

/** A record or commit message would carry a token or a registered secret. */
export class SecretInRecord extends McpError {
  override name = 'SecretInRecord';
  constructor(
    readonly where: string,
    what: string,
  ) {
    super(`refusing to write ${where} to mcp-meta: it contains ${what}`);
  }
}
