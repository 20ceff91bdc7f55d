import { z } from 'zod';
import { ImmError, Limits } from '@simclust/contracts';

/** Parameters that IMM's SDKs send as JSON strings in the query or a form body (contract.md). */
const STRUCTURED = new Set([
  'Tags', 'Tag', 'Notification', 'File', 'Files', 'URIs', 'WithFields', 'TaskTypes', 'StartTimeRange', 'EndTimeRange',
  'CustomLabels', 'EventTypes', 'Policy',
]);

/** Merges query, body and path parameters (later sources win) and decodes structured JSON strings. */
export function collectParams(...sources: Array<Record<string, unknown> | undefined>): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const source of sources) {
    if (!source || typeof source !== 'object') continue;
    for (const [key, value] of Object.entries(source)) {
      if (Array.isArray(value) && !STRUCTURED.has(key)) throw ImmError.invalid(key, 'It was given more than once.');
      merged[key] = value;
    }
  }
  for (const key of STRUCTURED) {
    const value = merged[key];
    if (typeof value !== 'string') continue;
    // CustomLabels of QuerySimilarImageClusters may also be plain text; only decode what looks like JSON.
    if (key === 'CustomLabels' && !/^\s*[[{]/.test(value)) continue;
    try {
      merged[key] = JSON.parse(value);
    } catch (err) {
      throw ImmError.invalidJson(key, (err as Error).message);
    }
  }
  return merged;
}

/** IMM error for the first problem zod found, naming the parameter; `given` tells a missing one from a bad one. */
export function toImmError(error: z.ZodError, given: Record<string, unknown>): ImmError {
  const issue = error.issues[0];
  const param = String(issue.path[0] ?? 'Parameters');
  const immCode = (issue as { params?: { immCode?: string } }).params?.immCode;
  if (immCode === 'LimitExceededError') return ImmError.limitExceeded(issue.message);
  // zod 4 leaves `input` off its issues, so absence is read from the request itself.
  if (issue.code === 'invalid_type' && issue.path.length === 1 && (given[param] === undefined || given[param] === null)) {
    return ImmError.missing(param);
  }
  const where = issue.path.length > 1 ? ` (at ${issue.path.join('.')})` : '';
  return ImmError.invalid(param, `${issue.message}${where}.`);
}

// Shared parameter schemas ----------------------------------------------------------------------------

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
export const resourceName = z
  .string()
  .min(1)
  .max(Limits.nameChars, `at most ${Limits.nameChars} characters`)
  .regex(NAME, 'must start with a letter or _ and contain only letters, digits, _ or -');

export const description = z.string().min(1).max(Limits.descriptionChars, `at most ${Limits.descriptionChars} characters`);

/**
 * An integer from a JSON number or a decimal string (query and form values are strings). Unlike z.coerce it
 * refuses `true`, `""` and `"1e3"` instead of reading them as 1, 0 and 1000.
 */
export function integerParam(min: number, max: number) {
  const range = `must be an integer between ${min} and ${max}`;
  return z.preprocess(
    (v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v),
    // Number.isInteger, not .int(): zod's int() stops at 2^53, below IMM's DatasetMaxTotalFileSize of 9e16.
    z.number({ message: range }).min(min, range).max(max, range).refine(Number.isInteger, range),
  );
}

export const maxResults = integerParam(1, Limits.maxResults).default(Limits.maxResults);

export const nextToken = z.string().max(4096).optional();

export const booleanParam = z.preprocess(
  (v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v),
  z.boolean(),
);

export const userData = z.string().refine((v) => Buffer.byteLength(v, 'utf8') <= Limits.userDataBytes, {
  message: `UserData exceeds ${Limits.userDataBytes} bytes`,
  params: { immCode: 'LimitExceededError' },
});

/** An array with IMM's LimitExceededError past `max` items. */
export function limitedArray<T extends z.ZodType>(item: T, max: number, what: string) {
  return z
    .array(item)
    .min(1, `${what} must not be empty`)
    .refine((a) => a.length <= max, { message: `${what} holds more than ${max} items`, params: { immCode: 'LimitExceededError' } });
}

export const tagsMap = z.record(z.string().max(128), z.union([z.string().max(1024), z.number(), z.boolean()]));
