// Generic packages for the GitLab emulator: files published into a package (name, version),
// downloaded by name with ranges, listed and deleted through the packages API.
import { createHash } from 'node:crypto';
import { serveBytes } from './ranges';
import type { EmulatorRequest, EmulatorResponse, OperationHandler } from './validating-server';

export interface StoredPackage {
  id: number;
  projectId: number;
  name: string;
  version: string;
  createdAt: string;
  /** Date.now() at creation, to tell uploads that raced to create the package. */
  createdAtMs: number;
}

export interface StoredPackageFile {
  id: number;
  packageId: number;
  fileName: string;
  bytes: Buffer;
  createdAt: string;
}

export interface SeededPackage {
  /** Default: the first project. */
  projectId?: number;
  name: string;
  version: string;
  files: { name: string; content: Buffer | string }[];
}

export interface GitLabFaults {
  /** Status (500, 502, 503…) for each of the next API requests, before they reach their operation. */
  serverErrors: number[];
  /** Downloads answer a Range request with 200 and the whole file. */
  ignoreRange: boolean;
}

export interface PackageContext {
  packages: StoredPackage[];
  files: StoredPackageFile[];
  faults: GitLabFaults;
  /** GitLab's "Allow duplicates" setting for generic packages; on by default. */
  duplicates: 'allow' | 'reject';
  newId: () => number;
  now: () => string;
  /** The API root (`…/api/v4`), known once the server listens. */
  apiUrl: () => string;
  projectOf: (request: EmulatorRequest) => { id: number; path: string } | undefined;
  list: <T>(request: EmulatorRequest, all: T[], render: (item: T) => unknown) => EmulatorResponse;
}

/** The operations a CI job token may call here: the package registry is on its allowlist. */
export const JOB_TOKEN_OPERATIONS = new Set([
  'getApiV4ProjectsIdPackages',
  'getApiV4ProjectsIdPackagesPackageIdPackageFiles',
  'deleteApiV4ProjectsIdPackagesPackageIdPackageFilesPackageFileId',
  'putApiV4ProjectsIdPackagesGenericPackageNamePackageVersionPathFileName',
  'getApiV4ProjectsIdPackagesGenericPackageNamePackageVersionPathFileName',
]);

const message = (status: number, text: string): EmulatorResponse => ({ status, body: { message: text } });
const sha = (algorithm: string, bytes: Buffer) => createHash(algorithm).update(bytes).digest('hex');

export function seedPackages(context: PackageContext, projectId: number, seeds: SeededPackage[]): void {
  for (const seed of seeds) {
    const pkg = newPackage(context, seed.projectId ?? projectId, seed.name, seed.version);
    for (const file of seed.files) {
      context.files.push({
        id: context.newId(),
        packageId: pkg.id,
        fileName: file.name,
        bytes: Buffer.from(file.content),
        createdAt: context.now(),
      });
    }
  }
}

function newPackage(context: PackageContext, projectId: number, name: string, version: string) {
  const pkg = {
    id: context.newId(),
    projectId,
    name,
    version,
    createdAt: context.now(),
    createdAtMs: Date.now(),
  };
  context.packages.push(pkg);
  return pkg;
}

export function packageHandlers(context: PackageContext): Record<string, OperationHandler> {
  const { packages, files } = context;

  const withProject =
    (handle: (request: EmulatorRequest, projectId: number) => EmulatorResponse): OperationHandler =>
    (request) => {
      const project = context.projectOf(request);
      return project ? handle(request, project.id) : message(404, '404 Project Not Found');
    };
  const packageOf = (request: EmulatorRequest, projectId: number) =>
    packages.find((p) => p.id === Number(request.params.package_id) && p.projectId === projectId);
  const genericPackageOf = (request: EmulatorRequest, projectId: number) =>
    packages.find(
      (p) =>
        p.projectId === projectId &&
        p.name === request.params.package_name &&
        p.version === request.params.package_version,
    );

  const renderPackage = (pkg: StoredPackage) => ({
    id: pkg.id,
    name: pkg.name,
    version: pkg.version,
    package_type: 'generic',
    status: 'default',
    _links: {
      web_path: `/group/project/-/packages/${pkg.id}`,
      delete_api_path: `${context.apiUrl()}/projects/${pkg.projectId}/packages/${pkg.id}`,
    },
    created_at: pkg.createdAt,
    last_downloaded_at: null,
    tags: [],
  });
  const renderFile = (file: StoredPackageFile) => ({
    id: file.id,
    package_id: file.packageId,
    created_at: file.createdAt,
    file_name: file.fileName,
    size: file.bytes.length,
    file_md5: null,
    file_sha1: sha('sha1', file.bytes),
    file_sha256: sha('sha256', file.bytes),
  });

  return {
    getApiV4ProjectsIdPackages: withProject((request, projectId) => {
      const { package_type: type, package_name: name, package_version: version } = request.query;
      const direction = request.query.sort === 'desc' ? -1 : 1;
      const found = packages
        .filter(
          (p) =>
            p.projectId === projectId &&
            (!type || type === 'generic') &&
            (!name || p.name.includes(name)) &&
            (!version || p.version === version),
        )
        .sort((a, b) => direction * (a.id - b.id));
      return context.list(request, found, renderPackage);
    }),
    getApiV4ProjectsIdPackagesPackageIdPackageFiles: withProject((request, projectId) => {
      const pkg = packageOf(request, projectId);
      if (!pkg) return message(404, '404 Package Not Found');
      const direction = request.query.sort === 'desc' ? -1 : 1;
      const mine = files.filter((f) => f.packageId === pkg.id).sort((a, b) => direction * (a.id - b.id));
      return context.list(request, mine, renderFile);
    }),
    deleteApiV4ProjectsIdPackagesPackageIdPackageFilesPackageFileId: withProject((request, projectId) => {
      const pkg = packageOf(request, projectId);
      const file = files.find(
        (f) => f.id === Number(request.params.package_file_id) && f.packageId === pkg?.id,
      );
      if (!file) return message(404, '404 Not found');
      files.splice(files.indexOf(file), 1);
      return { status: 204 };
    }),
    putApiV4ProjectsIdPackagesGenericPackageNamePackageVersionPathFileName: withProject(
      (request, projectId) => {
        const {
          package_name: name = '',
          package_version: version = '',
          file_name: fileName = '',
        } = request.params;
        let pkg = genericPackageOf(request, projectId);
        // Uploads that both began before the package existed both try to create it: the later one
        // fails, as GitLab documents for concurrent uploads into a new package.
        if (pkg && request.at < pkg.createdAtMs) return message(500, '500 Internal Server Error');
        if (
          pkg &&
          context.duplicates === 'reject' &&
          files.some((f) => f.packageId === pkg?.id && f.fileName === fileName)
        ) {
          return message(400, 'Duplicate package is not allowed');
        }
        pkg ??= newPackage(context, projectId, name, version);
        const file: StoredPackageFile = {
          id: context.newId(),
          packageId: pkg.id,
          fileName,
          bytes: request.rawBody,
          createdAt: context.now(),
        };
        files.push(file);
        if (request.query.select !== 'package_file') return message(201, '201 Created');
        return {
          status: 201,
          body: {
            ...renderFile(file),
            updated_at: file.createdAt,
            file_store: 1,
            file: { url: `/${file.id}/packages/${pkg.id}/files/${file.id}/${fileName}` },
          },
        };
      },
    ),
    getApiV4ProjectsIdPackagesGenericPackageNamePackageVersionPathFileName: withProject(
      (request, projectId) => {
        const pkg = genericPackageOf(request, projectId);
        const latest = files
          .filter((f) => f.packageId === pkg?.id && f.fileName === request.params.file_name)
          .at(-1);
        if (!latest) return message(404, '404 Not Found');
        return serveBytes(latest.bytes, request.headers.range, { ignoreRange: context.faults.ignoreRange });
      },
    ),
  };
}
