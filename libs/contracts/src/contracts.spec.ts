import { ErrorCodes, ImmError, httpStatusFor } from './errors';
import { fileObjectId, newClusterId, newEventId, newRequestId, newTaskId } from './ids';
import { ClusterCommandSchema, IndexCommandSchema, jobIds, subjects } from './messaging';
import { buildEnvelope, eventType, WEBHOOK_RETRY_DELAYS_MS } from './notifications';

describe('error codes', () => {
  it.each([
    [ErrorCodes.InvalidArgument, 400],
    [ErrorCodes.InvalidJSON, 400],
    [ErrorCodes.LimitExceededError, 400],
    ['MissingProjectName', 400],
    ['InvalidNextToken', 400],
    [ErrorCodes.InvalidAccessKeyId, 401],
    [ErrorCodes.AccessDenied, 403],
    [ErrorCodes.ResourceNotFound, 404],
    [ErrorCodes.ResourceAlreadyExists, 409],
    [ErrorCodes.Throttling, 429],
    [ErrorCodes.InternalError, 500],
    [ErrorCodes.ServiceUnavailable, 503],
  ] as const)('maps %s to %i', (code, status) => expect(httpStatusFor(code)).toBe(status));

  it('builds IMM messages that name the parameter or resource', () => {
    expect(ImmError.missing('ProjectName')).toMatchObject({ code: 'MissingProjectName', status: 400, message: 'ProjectName is mandatory for this action.' });
    expect(ImmError.invalid('MaxResults', 'must be between 1 and 100')).toMatchObject({ code: 'InvalidMaxResults', message: expect.stringContaining('must be between 1 and 100') });
    expect(ImmError.notFound('dataset', 'd1')).toMatchObject({ code: 'ResourceNotFound', status: 404, message: expect.stringMatching(/resource dataset is not found \(d1\)/) });
    expect(ImmError.throttled('project p', 2)).toMatchObject({ status: 429, retryAfterSeconds: 2 });
    expect(ImmError.internal().message).not.toMatch(/at .*\.ts/);
  });
});

describe('ids', () => {
  it('have IMM shapes', () => {
    expect(newRequestId()).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    expect(newEventId()).toMatch(/^[0-9A-F]{3}-[A-Za-z0-9]{27}$/);
    expect(newTaskId('SimilarImageClustering')).toMatch(/^SimilarImageClustering-[0-9a-f-]{36}$/);
    expect(newClusterId()).toMatch(/^SimilarImageCluster-[0-9a-f-]{36}$/);
  });

  it('gives one file ObjectId per dataset and URI', () => {
    const id = fileObjectId('ds1', 'file:///a.jpg');
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(fileObjectId('ds1', 'file:///a.jpg')).toBe(id);
    expect(fileObjectId('ds2', 'file:///a.jpg')).not.toBe(id);
    expect(fileObjectId('ds1', 'file:///b.jpg')).not.toBe(id);
  });

  it('derives BullMQ job ids without colons', () => {
    expect(jobIds.cluster('SimilarImageClustering-x')).not.toContain(':');
    expect(jobIds.delivery('whdl-1', 2)).toBe('whdl-1-r2');
  });
});

describe('messages', () => {
  it('scopes subjects by region and account', () => {
    expect(subjects('cn-x', '42').indexCommand).toBe('simclust.cn-x.42.cmd.index');
  });

  it('validates command payloads', () => {
    const ok = { taskId: 't', requestId: 'r', projectId: 'p', projectName: 'p', datasetId: 'd', datasetName: 'd' };
    expect(ClusterCommandSchema.safeParse(ok).success).toBe(true);
    expect(ClusterCommandSchema.safeParse({ ...ok, taskId: 1 }).success).toBe(false);
    expect(IndexCommandSchema.safeParse({ ...ok, files: [] }).success).toBe(false);
    expect(IndexCommandSchema.safeParse({ ...ok, files: [{ URI: 'file:///a.jpg' }] }).success).toBe(true);
  });

  it('builds the IMM message envelope', () => {
    const envelope = buildEnvelope(
      { eventId: 'ABC-1', taskId: 't', taskType: 'SimilarImageClustering', projectId: 'p', projectName: 'proj', content: { Status: 'Succeeded' }, time: 1724133063161 },
      'local',
      '0',
    );
    expect(envelope).toEqual({
      id: 'ABC-1',
      source: 'acs.imm',
      type: 'imm:Task:SimilarImageClustering',
      subject: 'acs:imm:local:0:proj/imm:Task:SimilarImageClustering',
      time: '1724133063161',
      content: '{"Status":"Succeeded"}',
    });
    expect(eventType('IndexFileMeta')).toBe('imm:Task:IndexFileMeta');
  });

  it('retries webhooks on the contract schedule', () => {
    expect(WEBHOOK_RETRY_DELAYS_MS).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
  });
});
