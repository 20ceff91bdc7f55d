import { z } from 'zod';
import { ImmError } from '@simclust/contracts';
import { collectParams, integerParam, limitedArray, maxResults, resourceName, toImmError } from './params';

function immErrorOf(schema: z.ZodType, params: Record<string, unknown>): ImmError {
  const parsed = schema.safeParse(params);
  if (parsed.success) throw new Error(`${JSON.stringify(params)} was accepted`);
  return toImmError(parsed.error, params);
}

describe('collectParams', () => {
  it('merges query, body and path parameters, later sources winning', () => {
    expect(collectParams({ Action: 'A', ProjectName: 'q' }, { ProjectName: 'b' }, { DatasetName: 'p' })).toEqual({ Action: 'A', ProjectName: 'b', DatasetName: 'p' });
  });

  it('decodes structured parameters given as JSON strings and leaves plain JSON alone', () => {
    expect(collectParams({ Tag: '[{"Key":"k","Value":"v"}]', Description: '[not decoded]' })).toEqual({ Tag: [{ Key: 'k', Value: 'v' }], Description: '[not decoded]' });
    expect(collectParams(undefined, { Tag: [{ Key: 'k', Value: 'v' }] })).toEqual({ Tag: [{ Key: 'k', Value: 'v' }] });
  });

  it('answers InvalidJSON naming a structured parameter that is not JSON', () => {
    expect(() => collectParams({ Notification: '{"Webhook":' })).toThrow(expect.objectContaining({ code: 'InvalidJSON', message: expect.stringContaining('Notification') }));
  });

  it('keeps plain-text CustomLabels as text', () => {
    expect(collectParams({ CustomLabels: 'label=a' })).toEqual({ CustomLabels: 'label=a' });
  });

  it('refuses a plain parameter given twice', () => {
    expect(() => collectParams({ ProjectName: ['a', 'b'] })).toThrow(expect.objectContaining({ code: 'InvalidProjectName' }));
  });
});

describe('toImmError', () => {
  const schema = z.object({ ProjectName: resourceName, MaxResults: maxResults, URIs: limitedArray(z.string(), 2, 'URIs').optional() });

  it('says Missing<Param> only when the parameter is absent', () => {
    expect(immErrorOf(schema, {}).code).toBe('MissingProjectName');
    expect(immErrorOf(schema, { ProjectName: 5 }).code).toBe('InvalidProjectName');
  });

  it('names the parameter and the nested path of the problem', () => {
    const error = immErrorOf(z.object({ Tag: z.array(z.object({ Key: z.string() })) }), { Tag: [{ Key: 1 }] });
    expect(error.code).toBe('InvalidTag');
    expect(error.message).toContain('Tag.0.Key');
  });

  it('answers LimitExceededError past an array limit', () => {
    const error = immErrorOf(schema, { ProjectName: 'p', URIs: ['a', 'b', 'c'] });
    expect(error.code).toBe('LimitExceededError');
    expect(error.status).toBe(400);
  });
});

describe('integerParam', () => {
  const n = integerParam(1, 90_000_000_000_000_000);
  it.each([[1, 1], ['42', 42], [' 7 ', 7], ['90000000000000000', 9e16]])('reads %p as %p', (input, output) => {
    expect(n.parse(input)).toBe(output);
  });
  it.each([0, '0', 1.5, '1.5', '1e3', '', 'abc', true, null, [], 9e16 * 10])('refuses %p', (input) => {
    expect(n.safeParse(input).success).toBe(false);
  });
});
