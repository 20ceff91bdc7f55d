import type { File } from '@simclust/db';
import { fileView } from './file-view';

const indexed: File = {
  id: 'a'.repeat(64),
  seq: 1,
  datasetId: 'ds',
  uri: 'file:///data/a.jpg',
  status: 'Indexed',
  reason: null,
  customId: 'c-1',
  customLabels: { album: 'x' },
  mediaType: 'image',
  contentType: 'image/jpeg',
  filename: 'a.jpg',
  size: 1234n,
  fileHash: 'f'.repeat(64),
  imageWidth: 300,
  imageHeight: 400,
  orientation: 6,
  imageScore: 0.5,
  scoreDetails: { Sharpness: 0.4, Exposure: 0.6, Resolution: 0.5 },
  contentVersion: 1,
  clusteredVersion: 0,
  lastTaskId: 'IndexFileMeta-1',
  createdAt: new Date('2026-01-02T03:04:05.000Z'),
  updatedAt: new Date('2026-01-02T03:04:06.000Z'),
};
const names = { projectName: 'p', datasetName: 'd' };

describe('fileView', () => {
  it("maps a file row to IMM's File struct", () => {
    expect(fileView(indexed, names)).toEqual({
      URI: 'file:///data/a.jpg',
      ProjectName: 'p',
      DatasetName: 'd',
      ObjectId: 'a'.repeat(64),
      ObjectType: 'file',
      ObjectStatus: 'Indexed',
      MediaType: 'image',
      ContentType: 'image/jpeg',
      Filename: 'a.jpg',
      Size: 1234,
      FileHash: 'f'.repeat(64),
      CustomId: 'c-1',
      CustomLabels: { album: 'x' },
      CreateTime: '2026-01-02T03:04:05.000Z',
      UpdateTime: '2026-01-02T03:04:06.000Z',
      ImageWidth: 300,
      ImageHeight: 400,
      Orientation: 6,
      ImageScore: { OverallQualityScore: 0.5 },
      ScoreDetails: { Sharpness: 0.4, Exposure: 0.6, Resolution: 0.5 },
    });
  });

  it('leaves out fields without a value and shows the Reason of a failed file', () => {
    const failed = { ...indexed, status: 'Failed' as const, reason: 'The file is empty.', imageWidth: null, imageScore: null, scoreDetails: null, customId: null };
    const view = fileView(failed, names);
    expect(view).toMatchObject({ ObjectStatus: 'Failed', Reason: 'The file is empty.' });
    expect(view).not.toHaveProperty('ImageWidth');
    expect(view).not.toHaveProperty('ImageScore');
    expect(view).not.toHaveProperty('CustomId');
  });

  it('keeps only the fields named by WithFields, plus URI, ignoring unknown names', () => {
    expect(fileView(indexed, names, ['ImageScore', 'Size', 'Labels'])).toEqual({ URI: indexed.uri, ImageScore: { OverallQualityScore: 0.5 }, Size: 1234 });
  });
});
