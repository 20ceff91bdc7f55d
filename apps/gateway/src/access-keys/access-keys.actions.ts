import { z } from 'zod';
import { defineAction } from '../imm/action';
import { description, maxResults, nextToken } from '../imm/params';
import { parsePolicy, PolicyError, type PolicyDocument } from '../auth/policy';
import type { AccessKeysService } from './access-keys.service';

/** A RAM policy document (JSON, or a JSON string as IMM's SDKs send it); a bad one is InvalidPolicy naming the problem. */
const policy = z.record(z.string(), z.unknown()).transform((value, ctx): PolicyDocument => {
  try {
    return parsePolicy(value).document;
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
    return z.NEVER;
  }
});

const accessKeyId = z.string().min(1).max(64);
const global = () => ({ kind: 'global' as const });

const PolicyView = z.object({
  Version: z.literal('1'),
  Statement: z.array(z.object({ Effect: z.enum(['Allow', 'Deny']), Action: z.union([z.string(), z.array(z.string())]), Resource: z.union([z.string(), z.array(z.string())]) })),
});
const AccessKeyView = z.object({ AccessKeyId: z.string(), Description: z.string(), Policy: PolicyView, CreateTime: z.string(), UpdateTime: z.string() });

export function accessKeyActions(service: AccessKeysService) {
  return [
    defineAction({
      action: 'CreateAccessKey',
      summary: 'Create an access key with a RAM-style policy; its AccessKeySecret is returned here only.',
      params: z.object({ Policy: policy, Description: description.optional() }),
      resource: global,
      rest: { method: 'POST', path: '/v1/access-keys' },
      response: z.object({ AccessKey: AccessKeyView.extend({ AccessKeySecret: z.string() }) }),
      handle: (p) => service.create(p.Policy, p.Description),
    }),
    defineAction({
      action: 'ListAccessKeys',
      summary: 'List access keys, oldest first (never their secrets).',
      params: z.object({ MaxResults: maxResults, NextToken: nextToken }),
      resource: global,
      rest: { method: 'GET', path: '/v1/access-keys' },
      response: z.object({ AccessKeys: z.array(AccessKeyView), NextToken: z.string().optional() }),
      handle: (p) => service.list(p.MaxResults, p.NextToken),
    }),
    defineAction({
      action: 'GetAccessKey',
      summary: 'Get an access key and its policy (never its secret).',
      params: z.object({ AccessKeyId: accessKeyId }),
      resource: global,
      rest: { method: 'GET', path: '/v1/access-keys/:AccessKeyId' },
      response: z.object({ AccessKey: AccessKeyView }),
      handle: (p) => service.get(p.AccessKeyId),
    }),
    defineAction({
      action: 'UpdateAccessKey',
      summary: "Replace an access key's policy and/or description; takes effect on its next call.",
      params: z.object({ AccessKeyId: accessKeyId, Policy: policy.optional(), Description: description.optional() }),
      resource: global,
      rest: { method: 'PUT', path: '/v1/access-keys/:AccessKeyId' },
      response: z.object({ AccessKey: AccessKeyView }),
      handle: (p) => service.update(p.AccessKeyId, { policy: p.Policy, description: p.Description }),
    }),
    defineAction({
      action: 'DeleteAccessKey',
      summary: 'Delete an access key; its calls are refused from then on.',
      params: z.object({ AccessKeyId: accessKeyId }),
      resource: global,
      rest: { method: 'DELETE', path: '/v1/access-keys/:AccessKeyId' },
      handle: (p) => service.delete(p.AccessKeyId),
    }),
  ];
}
