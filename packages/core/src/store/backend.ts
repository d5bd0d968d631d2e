import type { Readable } from 'node:stream';

/**
 * Where the content store keeps its objects: a flat namespace of immutable, content-addressed
 * names (`pack-<sha256>.pack`, `pack-<sha256>.idx`, …). Implementations: a local directory,
 * GitHub release assets on a storage release, GitLab generic packages. Because names are
 * content-addressed, `put` of an existing name is a no-op and any object may be re-read and
 * verified by its digest.
 */
export interface ObjectInfo {
  name: string;
  size: number;
}

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive (HTTP Range semantics). */
  end: number;
}

export interface ObjectBackend {
  /** For logs: "local directory .mcp/store", "release mcp-store of acme/models". */
  readonly description: string;
  /** Largest object the backend accepts (GitHub release assets: just under 2 GiB). */
  readonly maxObjectSize: number;
  /** Every object, all pages. */
  list(): Promise<ObjectInfo[]>;
  /** Uploads the file at `source` (its full content) as `name`; a no-op when `name` exists. */
  put(name: string, source: string, size: number): Promise<void>;
  /** The object's bytes, or a range of them. Throws `MissingObject` when there is no such object. */
  get(name: string, range?: ByteRange): Promise<Readable>;
  delete(name: string): Promise<void>;
}

export class MissingObject extends Error {
  override name = 'MissingObject';
  constructor(
    readonly object: string,
    where: string,
  ) {
    super(`${object} is not in ${where}`);
  }
}

/** Object names are plain: lowercase letters, digits, `.`, `-`, `_` (safe as release asset names). */
export const OBJECT_NAME = /^[a-z0-9][a-z0-9._-]{0,200}$/;
