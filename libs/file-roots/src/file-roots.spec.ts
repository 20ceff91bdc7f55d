import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileRootError, FileRoots } from './file-roots';

let base: string;
let root: string;
let roots: FileRoots;

beforeAll(async () => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'simclust-roots-')));
  root = join(base, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'sub', 'a.jpg'), 'bytes');
  writeFileSync(join(base, 'secret.jpg'), 'secret');
  symlinkSync(join(base, 'secret.jpg'), join(root, 'link-out.jpg'));
  symlinkSync(join(root, 'sub', 'a.jpg'), join(root, 'link-in.jpg'));
  // A root given through a symlink still admits files under its real path.
  symlinkSync(root, join(base, 'root-alias'));
  roots = await FileRoots.create([join(base, 'root-alias'), join(base, 'does-not-exist')]);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const url = (p: string) => pathToFileURL(p).href;
async function refusal(uri: string) {
  try {
    const opened = await roots.open(uri);
    await opened.handle.close();
    return 'opened';
  } catch (err) {
    if (err instanceof FileRootError) return err.refusal;
    throw err;
  }
}

describe('FileRoots', () => {
  it('opens a regular file inside the roots, also through an in-root link', async () => {
    const opened = await roots.open(url(join(root, 'sub', 'a.jpg')));
    expect((await opened.handle.readFile()).toString()).toBe('bytes');
    expect(opened.stat.size).toBe(5);
    await opened.handle.close();
    expect(await refusal(url(join(root, 'link-in.jpg')))).toBe('opened');
    expect(await refusal(url(join(base, 'root-alias', 'sub', 'a.jpg')))).toBe('opened');
  });

  it('refuses paths outside the roots without saying whether they exist', async () => {
    expect(await refusal(url(join(base, 'secret.jpg')))).toBe('outside-roots');
    expect(await refusal(url(join(base, 'nothing-here.jpg')))).toBe('outside-roots');
    expect(await refusal(`file://${root}/sub/../../secret.jpg`)).toBe('outside-roots');
    expect(await refusal(`file://${root}/%2e%2e/secret.jpg`)).toBe('outside-roots');
  });

  it('refuses a link that leads outside, and tells missing, directories and bad URIs apart', async () => {
    expect(await refusal(url(join(root, 'link-out.jpg')))).toBe('link-outside-roots');
    expect(await refusal(url(join(root, 'sub', 'missing.jpg')))).toBe('missing');
    expect(await refusal(url(join(root, 'sub')))).toBe('not-a-file');
    expect(await refusal('file:relative/a.jpg')).toBe('invalid-uri');
    expect(await refusal('http://example.com/a.jpg')).toBe('invalid-uri');
  });
});
