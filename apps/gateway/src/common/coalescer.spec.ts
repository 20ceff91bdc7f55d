import { Coalescer } from './coalescer';

/** A load the test finishes by hand, recording when it started. */
function loads() {
  const started: string[] = [];
  const finish: Array<(value: string) => void> = [];
  const fail: Array<(err: Error) => void> = [];
  const load = (name: string) => () => {
    started.push(name);
    return new Promise<string>((resolve, reject) => {
      finish.push(resolve);
      fail.push(reject);
    });
  };
  return { started, finish, fail, load };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('Coalescer', () => {
  it('runs a lone call by itself and forgets the key afterwards', async () => {
    const coalescer = new Coalescer<string>();
    const { started, finish, load } = loads();
    const answer = coalescer.run('k', load('a'));
    await flush();
    finish[0]('A');
    expect(await answer).toBe('A');
    await flush();
    expect(started).toEqual(['a']);
    expect(coalescer.size).toBe(0);
  });

  it('makes the calls that arrive during a load share the next one, started only when it ends', async () => {
    const coalescer = new Coalescer<string>();
    const { started, finish, load } = loads();
    const first = coalescer.run('k', load('a'));
    await flush();
    const second = coalescer.run('k', load('b'));
    const third = coalescer.run('k', load('c'));
    const other = coalescer.run('other', load('o'));
    await flush();
    // The later calls must not take the first load's result: it may have read before they arrived.
    expect(started).toEqual(['a', 'o']);
    finish[0]('A');
    expect(await first).toBe('A');
    await flush();
    expect(started).toEqual(['a', 'o', 'b']);
    finish[2]('B');
    expect(await Promise.all([second, third])).toEqual(['B', 'B']);
    finish[1]('O');
    expect(await other).toBe('O');
    await flush();
    expect(coalescer.size).toBe(0);
  });

  it('gives a failure to the calls that shared its load only, and the next call loads again', async () => {
    const coalescer = new Coalescer<string>();
    const { started, finish, fail, load } = loads();
    const first = coalescer.run('k', load('a'));
    await flush();
    const joined = coalescer.run('k', load('b'));
    fail[0](new Error('database went away'));
    await expect(first).rejects.toThrow('database went away');
    await flush();
    finish[1]('B');
    expect(await joined).toBe('B');
    await flush();
    const later = coalescer.run('k', load('c'));
    await flush();
    finish[2]('C');
    expect(await later).toBe('C');
    expect(started).toEqual(['a', 'b', 'c']);
  });
});
