import { resolve } from 'node:path';
import { InputError } from '../errors';
import { MetaBranch } from '../meta';
import type { Platform } from '../platform';
import { ContentStore, LocalDirectoryBackend } from '../store';

export interface OpenedStore {
  store: ContentStore;
  /** How the version records its store: `local:<dir>` as the user wrote it. */
  label: string;
}

/**
 * The content store the `store` input names. Release assets and generic packages need a token
 * the Platform seam does not hand out yet, so they are refused with a clear line until it does.
 */
export function openStore(platform: Platform, value: string, input = 'store'): OpenedStore {
  const { workspace } = platform.context;
  let dir: string;
  if (value === '' || value === 'auto') {
    if (platform.name !== 'local') {
      throw new InputError(
        `${input}: auto means ${platform.name === 'github' ? 'release' : 'gitlab-package'} on ${platform.name}, which is not available yet; use local:<dir>`,
        input,
      );
    }
    dir = '.mcp/store';
  } else if (value.startsWith('local:') && value.length > 'local:'.length) {
    dir = value.slice('local:'.length);
  } else if (value === 'release' || value === 'gitlab-package') {
    throw new InputError(`${input}: ${value} is not available yet; use local:<dir>`, input);
  } else {
    throw new InputError(`${input}: "${value}" is not auto, local:<dir>, release or gitlab-package`, input);
  }
  const store = new ContentStore({
    backend: new LocalDirectoryBackend(resolve(workspace, dir)),
    cacheDir: resolve(workspace, '.mcp', 'cache'),
  });
  return { store, label: `local:${dir}` };
}

export function openMeta(platform: Platform): MetaBranch {
  return new MetaBranch({
    cwd: platform.context.workspace,
    author: { name: 'mcp', email: 'mcp@users.noreply.github.com' },
    log: (line) => platform.info(line),
  });
}
