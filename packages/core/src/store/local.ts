import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type ByteRange, MissingObject, OBJECT_NAME, type ObjectBackend, type ObjectInfo } from './backend';

export interface LocalDirectoryOptions {
  /** Largest object accepted; unlimited by default (tests set a small one). */
  maxObjectSize?: number;
}

/**
 * Objects as files in one directory: the default store on a laptop and what tests use. Writes
 * go to a temp name and are renamed, so a reader or a crash never sees half an object.
 */
export class LocalDirectoryBackend implements ObjectBackend {
  readonly description: string;
  readonly maxObjectSize: number;

  constructor(
    readonly dir: string,
    options: LocalDirectoryOptions = {},
  ) {
    this.description = `local directory ${dir}`;
    this.maxObjectSize = options.maxObjectSize ?? Number.MAX_SAFE_INTEGER;
  }

  async list(): Promise<ObjectInfo[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // Temp files start with '.', which OBJECT_NAME excludes.
    const objects = await Promise.all(
      names
        .filter((name) => OBJECT_NAME.test(name))
        .map(async (name) => {
          try {
            return { name, size: (await stat(join(this.dir, name))).size };
          } catch {
            return undefined; // deleted meanwhile
          }
        }),
    );
    return objects
      .filter((o): o is ObjectInfo => o !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async put(name: string, source: string, size: number): Promise<void> {
    const path = this.path(name);
    if (size > this.maxObjectSize) {
      throw new Error(
        `${name} is ${size} bytes, over the ${this.maxObjectSize}-byte limit of ${this.description}`,
      );
    }
    if (await exists(path)) return;
    const actual = (await stat(source)).size;
    if (actual !== size) {
      throw new Error(`${source} is ${actual} bytes, not the ${size} announced for ${name}`);
    }
    await mkdir(this.dir, { recursive: true });
    const temp = join(this.dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await copyFile(source, temp);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(name: string, range?: ByteRange): Promise<Readable> {
    const path = this.path(name);
    if (range && !(range.start >= 0 && range.end >= range.start)) {
      throw new Error(`bad range ${range.start}-${range.end} of ${name}`);
    }
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingObject(name, this.description);
      throw error;
    }
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async delete(name: string): Promise<void> {
    await rm(this.path(name), { force: true });
  }

  private path(name: string): string {
    if (!OBJECT_NAME.test(name)) throw new Error(`not an object name: ${JSON.stringify(name)}`);
    return join(this.dir, name);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
