import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError, ExitCode } from './exit-codes';

export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'gif', 'avif', 'tif', 'tiff', 'heic'] as const;
const imageExtensions = new Set<string>(IMAGE_EXTENSIONS.map((e) => `.${e}`));

export function isImagePath(path: string): boolean {
  return imageExtensions.has(extname(path).toLowerCase());
}

/** The absolute file:// URI of a path (percent-encoded, as the indexer's fileURLToPath expects). */
export function toFileUri(path: string): string {
  return pathToFileURL(resolve(path)).href;
}

/**
 * The images named by `inputs`: folders are walked recursively keeping image extensions, files named directly are
 * taken as given. Absolute paths, sorted, each once. A missing input is a usage error.
 */
export async function collectImages(inputs: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  // Real paths of folders already walked: a symlink loop or two inputs sharing a subtree are walked once.
  const walked = new Set<string>();

  async function walk(dir: string): Promise<void> {
    const real = await realpath(dir);
    if (walked.has(real)) return;
    walked.add(real);
    const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`${dir}: cannot read the folder (${err.code ?? err.message})`, ExitCode.Usage);
    });
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        if (isImagePath(path)) found.add(path);
      } else if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        if (target?.isDirectory()) await walk(path);
        else if (target?.isFile() && isImagePath(path)) found.add(path);
      }
    }
  }

  for (const input of inputs) {
    const path = resolve(input);
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new CliError(`${input}: no such file or folder`, ExitCode.Usage);
      throw new CliError(`${input}: ${err.code ?? err.message}`, ExitCode.Usage);
    });
    if (info.isDirectory()) await walk(path);
    else found.add(path);
  }
  return [...found].sort();
}
