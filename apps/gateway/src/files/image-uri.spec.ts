import { imageUriProblem } from './image-uri';

describe('imageUriProblem', () => {
  it.each(['file:///data/a.jpg', 'file://localhost/data/a%20b.jpg', 'http://example.com/a.jpg', 'HTTPS://example.com:8443/x?y=1'])('accepts %s', (uri) => {
    expect(imageUriProblem(uri)).toBeUndefined();
  });

  it.each([
    ['oss://bucket/a.jpg', /unsupported scheme oss/],
    ['ftp://example.com/a.jpg', /unsupported scheme ftp/],
    ['data/a.jpg', /no scheme/],
    ['/data/a.jpg', /no scheme/],
    ['file:data/a.jpg', /absolute file URI/],
    ['file://fileserver/share/a.jpg', /absolute file URI/],
    ['file:///data/a%2Fb.jpg', /not a valid file URI/],
    ['http://user:pw@example.com/a.jpg', /credentials/],
    ['http://', /not a valid URL|no host/],
  ])('refuses %s', (uri, reason) => {
    expect(imageUriProblem(uri)).toMatch(reason);
  });
});
