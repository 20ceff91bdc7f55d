import { constants as fsConstants, type Stats } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Why a `file://` URI was not opened; each app turns these into its own errors. */
export type FileRootRefusal =
  | 'invalid-uri' // not an absolute file:// URI
  | 'outside-roots' // outside ALLOWED_FILE_ROOTS (said without revealing whether the file exists)
  | 'link-outside-roots' // named inside the roots, but a symbolic link leads outside
  | 'missing' // inside the roots, and there is no such file
  | 'unreadable' // inside the roots, but it cannot be opened or read
  | 'not-a-file'; // a directory, device or other non-regular file

export class FileRootError extends Error {
  constructor(
    readonly refusal: FileRootRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'FileRootError';
  }
}

export interface OpenedFile {
  handle: FileHandle;
  /** The path as named by the URI, and as resolved through symbolic links. */
  path: string;
  realPath: string;
  stat: Stats;
}

/**
 * The one rule for reading `file://` URIs: the real path (symlinks resolved) must lie inside one of the allowed roots
 * (also compared after resolving), `..` cannot escape, and the file is opened without following a link, so a path
 * swapped for a symlink after the check is refused too.
 */
export class FileRoots {
  private constructor(
    private readonly configured: readonly string[],
    private readonly real: readonly string[],
  ) {}

  /** Resolves the roots once; a root that does not exist admits nothing. */
  static async create(roots: readonly string[]): Promise<FileRoots> {
    const configured = roots.map((r) => resolve(r));
    const real = (await Promise.all(configured.map((r) => realpath(r).catch(() => undefined)))).filter((r): r is string => !!r);
    return new FileRoots(configured, real);
  }

  /** The absolute path a `file://` URI names, or an 'invalid-uri' refusal. */
  static pathOf(uri: string): string {
    try {
      if (!/^file:\/\/(localhost)?\//i.test(uri)) throw new Error('the path must be absolute');
      return resolve(fileURLToPath(uri));
    } catch (err) {
      throw new FileRootError('invalid-uri', `The URI is not a valid absolute file URI (${(err as Error).message}).`);
    }
  }

  /** Opens the regular file a `file://` URI names inside the roots; the caller closes the handle. */
  async open(uri: string): Promise<OpenedFile> {
    const path = FileRoots.pathOf(uri);
    const named = inside(path, [...this.configured, ...this.real]);
    let realPath: string;
    try {
      realPath = await realpath(path);
    } catch (err) {
      if (!named) throw outsideRoots();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileRootError('missing', 'File does not exist.');
      throw new FileRootError('unreadable', `The file cannot be read (${code ?? (err as Error).message}).`);
    }
    if (!inside(realPath, this.real)) {
      if (named) throw new FileRootError('link-outside-roots', 'The path leads through a symbolic link to a location outside ALLOWED_FILE_ROOTS.');
      throw outsideRoots();
    }
    let handle: FileHandle;
    try {
      handle = await open(realPath, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
    } catch (err) {
      throw new FileRootError('unreadable', `The file cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new FileRootError('not-a-file', 'The path is not a regular file.');
      return { handle, path, realPath, stat };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
}

function inside(path: string, roots: readonly string[]): boolean {
  return roots.some((root) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep));
}

function outsideRoots(): FileRootError {
  return new FileRootError('outside-roots', 'The path is outside ALLOWED_FILE_ROOTS.');
}
