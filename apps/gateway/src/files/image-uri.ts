import { fileURLToPath } from 'node:url';

/** Why an image URI cannot be indexed, or undefined when it is acceptable (contract.md, "Image URIs"). */
export function imageUriProblem(uri: string): string | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (!scheme) return 'has no scheme; use file:///absolute/path, http:// or https://';
  if (scheme === 'http' || scheme === 'https') {
    try {
      const url = new URL(uri);
      if (!url.hostname) return 'has no host';
      if (url.username || url.password) return 'must not carry credentials';
      return undefined;
    } catch {
      return 'is not a valid URL';
    }
  }
  if (scheme === 'file') {
    // WHATWG URL parsing would turn file:relative into file:///relative, so the raw form is checked first.
    if (!/^file:\/\/(localhost)?\//i.test(uri)) return 'must be an absolute file URI: file:///absolute/path';
    try {
      fileURLToPath(uri);
      return undefined;
    } catch (err) {
      return `is not a valid file URI (${(err as Error).message})`;
    }
  }
  return `uses the unsupported scheme ${scheme}; use file:///absolute/path, http:// or https://`;
}
