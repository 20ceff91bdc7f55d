import sharp from 'sharp';
import { endsEarly, failureReason } from './file-extraction';

describe('endsEarly', () => {
  let jpeg: Buffer;
  let png: Buffer;
  beforeAll(async () => {
    const image = sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 120, b: 200 } } });
    jpeg = await image.clone().jpeg().toBuffer();
    png = await image.clone().png().toBuffer();
  });

  it('tells a cut-off JPEG or PNG from a complete one', () => {
    expect(endsEarly(jpeg)).toBe(false);
    expect(endsEarly(Buffer.concat([jpeg, Buffer.alloc(16)]))).toBe(false);
    expect(endsEarly(jpeg.subarray(0, jpeg.length - 1))).toBe(true);
    expect(endsEarly(jpeg.subarray(0, 200))).toBe(true);
    expect(endsEarly(png)).toBe(false);
    expect(endsEarly(png.subarray(0, png.length - 4))).toBe(true);
    expect(endsEarly(png.subarray(0, 8))).toBe(true);
  });

  it('says nothing about other formats', () => {
    expect(endsEarly(Buffer.from('GIF89a truncated'))).toBe(false);
    expect(endsEarly(Buffer.alloc(0))).toBe(false);
  });
});

describe('failureReason', () => {
  const cut = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]);
  const complete = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0xff, 0xd9]);

  it('turns the reason into a sentence', () => {
    expect(failureReason({ reason: 'unsupported image format' }, complete)).toBe('Unsupported image format.');
    expect(failureReason(new Error('boom'), complete)).toBe('The image cannot be decoded (boom).');
  });

  it("replaces a corrupt-image message (possibly another decode's) by truncated image when the file was cut off", () => {
    expect(failureReason({ reason: 'corrupt image (Unknown error)' }, cut)).toBe('Truncated image.');
    expect(failureReason({ reason: 'corrupt image (vipspng: libpng read error)' }, cut)).toBe('Truncated image.');
    expect(failureReason({ reason: 'corrupt image (Unknown error)' }, complete)).toBe('Corrupt image (Unknown error).');
    expect(failureReason({ reason: 'image exceeds pixel limit (100 px)' }, cut)).toBe('Image exceeds pixel limit (100 px).');
  });
});
