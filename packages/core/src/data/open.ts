import { resolve } from 'node:path';
import { InputError } from '../errors';
import { MetaBranch } from '../meta';
import type { Platform } from '../platform';
import { ContentStore, LocalDirectoryBackend } from '../store';
import { chunkCacheDir } from './hand-off';

export interface OpenedStore {
  store: ContentStore;
  /** How the version records its store: `local:<dir>` as the user wrote it, `release:mcp-store`, `gitlab-package:mcp-store`. */
  label: string;
}

/** The storage release (GitHub) or generic package (GitLab) that holds the objects. */
const HOSTED_STORE_NAME = 'mcp-store';

/**
 * The content store the `store` input names: `auto` is the CI host's own store (release assets
 * on GitHub, generic packages on GitLab) and `.mcp/store` locally. Nothing is contacted yet.
 */
export function openStore(platform: Platform, value: string, input = 'store'): OpenedStore {
  const { workspace } = platform.context;
  const cacheDir = resolve(workspace, '.mcp', 'cache');
  // Chunks handed over by an earlier job of the run (an Actions artifact) are read before the store.
  const chunkCache = chunkCacheDir(resolve(workspace));
  const auto = value === '' || value === 'auto';
  const hosted = auto ? autoStore[platform.name] : value;
  if (hosted === 'release' || hosted === 'gitlab-package') {
    const backend = platform.hostedStore({ kind: hosted, name: HOSTED_STORE_NAME }, input);
    return {
      store: new ContentStore({ backend, cacheDir, chunkCache }),
      label: `${hosted}:${HOSTED_STORE_NAME}`,
    };
  }
  let dir: string;
  if (auto) dir = '.mcp/store';
  else if (value.startsWith('local:') && value.length > 'local:'.length) dir = value.slice('local:'.length);
  else
    throw new InputError(`${input}: "${value}" is not auto, local:<dir>, release or gitlab-package`, input);
  const backend = new LocalDirectoryBackend(resolve(workspace, dir));
  const store = new ContentStore({ backend, cacheDir, chunkCache });
  return { store, label: `local:${dir}` };
}

const autoStore = { github: 'release', gitlab: 'gitlab-package', local: undefined } as const;

export function openMeta(platform: Platform): MetaBranch {
  return new MetaBranch({
    cwd: platform.context.workspace,
    author: { name: 'mcp', email: 'mcp@users.noreply.github.com' },
    log: (line) => platform.info(line),
    secrets: platform.masked,
  });
}
