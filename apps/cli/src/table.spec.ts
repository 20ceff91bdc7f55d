import { formatTable } from './table';

describe('formatTable', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(formatTable(['ID', 'SIZE', 'URI'], [['a', '12', 'file:///x'], ['bbbb', '3', 'file:///yy']])).toBe(
      ['ID    SIZE  URI', 'a     12    file:///x', 'bbbb  3     file:///yy'].join('\n'),
    );
  });
});
