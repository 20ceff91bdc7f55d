import { evaluate, globMatch, globMatchesSomethingUnder, mayAllowUnder, parsePolicy, prefixUnder, resourceOf, PolicyError } from './policy';

const P1 = 'acs:imm:local:0:project/p1';
const D1 = `${P1}/dataset/d1`;
const D2 = `${P1}/dataset/d2`;

function policy(...statements: Array<{ Effect: string; Action: string | string[]; Resource: string | string[] }>) {
  return parsePolicy({ Version: '1', Statement: statements });
}

function problem(document: unknown): string {
  try {
    parsePolicy(document);
  } catch (err) {
    if (err instanceof PolicyError) return err.message;
    throw err;
  }
  throw new Error(`${JSON.stringify(document)} was accepted`);
}

describe('globMatch', () => {
  it.each([
    ['*', '', true],
    ['*', 'acs:imm:local:0:project/p1', true],
    ['imm:get*', 'imm:getproject', true],
    ['imm:get*', 'imm:listprojects', false],
    ['acs:imm:*:*:project/p1/*', D1, true],
    ['acs:imm:*:*:project/p1/*', P1, false],
    ['acs:imm:*:*:project/p1', 'acs:imm:local:0:project/p10', false],
    ['acs:imm:*:*:project/p1*', 'acs:imm:local:0:project/p10', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbY', false],
    ['*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000), false],
  ])('%s against %s → %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });
});

describe('globMatchesSomethingUnder', () => {
  it.each([
    ['acs:imm:*:*:project/p1/dataset/d1', `${P1}/`, true],
    ['acs:imm:*:*:project/p1/dataset/d1', 'acs:imm:local:0:project/p2/', false],
    ['acs:imm:*:*:project/*', 'acs:imm:local:0:', true],
    // Only the project itself, not what is inside it (its wildcards would need a ':' to reach further).
    ['acs:imm:*:*:project/p1', `${P1}/`, false],
    ['acs:imm:other:*:project/p1/*', `${P1}/`, false],
    ['*', `${P1}/`, true],
  ])('%s under %s → %s', (pattern, prefix, expected) => {
    expect(globMatchesSomethingUnder(pattern, prefix)).toBe(expected);
  });
});

describe('evaluate', () => {
  it('denies by default', () => {
    expect(evaluate(policy({ Effect: 'Allow', Action: 'imm:GetDataset', Resource: D1 }), 'imm:GetProject', P1)).toBe('ImplicitDeny');
  });

  it('allows an action and resource matched by wildcards', () => {
    const p = policy({ Effect: 'Allow', Action: ['imm:Get*', 'imm:List*'], Resource: 'acs:imm:*:*:project/p1/*' });
    expect(evaluate(p, 'imm:GetDataset', D1)).toBe('Allow');
    expect(evaluate(p, 'imm:ListDatasets', D2)).toBe('Allow');
    expect(evaluate(p, 'imm:DeleteDataset', D1)).toBe('ImplicitDeny');
    // project/p1/* covers what is inside p1, not p1 itself.
    expect(evaluate(p, 'imm:GetProject', P1)).toBe('ImplicitDeny');
  });

  it('lets an explicit Deny win over any Allow, in either order', () => {
    const allow = { Effect: 'Allow', Action: 'imm:*', Resource: '*' };
    const deny = { Effect: 'Deny', Action: 'imm:DeleteDataset', Resource: D1 };
    for (const p of [policy(allow, deny), policy(deny, allow)]) {
      expect(evaluate(p, 'imm:DeleteDataset', D1)).toBe('ExplicitDeny');
      expect(evaluate(p, 'imm:DeleteDataset', D2)).toBe('Allow');
      expect(evaluate(p, 'imm:GetDataset', D1)).toBe('Allow');
    }
  });

  it('compares actions without regard to case, resources exactly', () => {
    const p = policy({ Effect: 'Allow', Action: 'IMM:getdataset', Resource: D1 });
    expect(evaluate(p, 'imm:GetDataset', D1)).toBe('Allow');
    expect(evaluate(p, 'imm:GetDataset', D1.toUpperCase())).toBe('ImplicitDeny');
  });

  it('matches the global resource * only with a * resource', () => {
    expect(evaluate(policy({ Effect: 'Allow', Action: 'imm:CreateAccessKey', Resource: '*' }), 'imm:CreateAccessKey', '*')).toBe('Allow');
    expect(evaluate(policy({ Effect: 'Allow', Action: 'imm:*', Resource: 'acs:imm:*:*:*' }), 'imm:CreateAccessKey', '*')).toBe('ImplicitDeny');
  });

  it('treats Action * as every action', () => {
    expect(evaluate(policy({ Effect: 'Allow', Action: '*', Resource: D1 }), 'imm:UpdateFileMeta', D1)).toBe('Allow');
  });
});

describe('mayAllowUnder', () => {
  it('sees a dataset grant from its project, but not from another project or through a Deny-only policy', () => {
    const p = policy({ Effect: 'Allow', Action: 'imm:*', Resource: D1 });
    expect(mayAllowUnder(p, 'imm:ListDatasets', `${P1}/`)).toBe(true);
    expect(mayAllowUnder(p, 'imm:ListDatasets', 'acs:imm:local:0:project/p2/')).toBe(false);
    expect(mayAllowUnder(policy({ Effect: 'Deny', Action: 'imm:*', Resource: '*' }), 'imm:ListDatasets', `${P1}/`)).toBe(false);
    expect(mayAllowUnder(p, 'imm:ListProjects', 'acs:imm:local:0:')).toBe(true);
  });
});

describe('resource names', () => {
  const space = { region: 'cn-test', account: '42' };
  it('follows contract.md', () => {
    expect(resourceOf({ kind: 'global' }, space)).toBe('*');
    expect(resourceOf({ kind: 'project', project: 'p' }, space)).toBe('acs:imm:cn-test:42:project/p');
    expect(resourceOf({ kind: 'dataset', project: 'p', dataset: 'd' }, space)).toBe('acs:imm:cn-test:42:project/p/dataset/d');
    expect(prefixUnder({ kind: 'global' }, space)).toBe('acs:imm:cn-test:42:');
    expect(prefixUnder({ kind: 'project', project: 'p' }, space)).toBe('acs:imm:cn-test:42:project/p/');
  });
});

describe('parsePolicy', () => {
  it('keeps the document and accepts single strings for Action and Resource', () => {
    const doc = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'imm:Get*', Resource: D1 }] };
    expect(parsePolicy(doc).document).toEqual(doc);
  });

  it.each([
    ['not an object', [], 'the policy must be a JSON object with Version and Statement'],
    ['missing Version', { Statement: [] }, 'Version is missing (it must be "1")'],
    ['wrong Version', { Version: '2012-10-17', Statement: [] }, 'Version must be "1", not "2012-10-17"'],
    ['numeric Version', { Version: 1, Statement: [] }, 'Version must be "1", not 1'],
    ['unknown top-level key', { Version: '1', Statement: [], Id: 'x' }, 'the policy has the unknown key Id; allowed keys are Version, Statement'],
    ['missing Statement', { Version: '1' }, 'Statement is missing'],
    ['Statement not an array', { Version: '1', Statement: {} }, 'Statement must be an array of statements'],
    ['empty Statement', { Version: '1', Statement: [] }, 'Statement must not be empty'],
    ['missing Effect', { Version: '1', Statement: [{ Action: 'imm:*', Resource: '*' }] }, 'Statement[0].Effect is missing'],
    ['bad Effect', { Version: '1', Statement: [{ Effect: 'allow', Action: 'imm:*', Resource: '*' }] }, 'Statement[0].Effect must be Allow or Deny, not "allow"'],
    ['missing Action', { Version: '1', Statement: [{ Effect: 'Allow', Resource: '*' }] }, 'Statement[0].Action is missing'],
    ['Action of another service', { Version: '1', Statement: [{ Effect: 'Allow', Action: ['imm:*', 'oss:GetObject'], Resource: '*' }] }, 'Statement[0].Action[1] "oss:GetObject" must be imm:<Operation> (wildcard * allowed) or *'],
    ['Action without service', { Version: '1', Statement: [{ Effect: 'Allow', Action: 'GetProject', Resource: '*' }] }, 'Statement[0].Action[0] "GetProject" must be imm:<Operation> (wildcard * allowed) or *'],
    ['empty Action list', { Version: '1', Statement: [{ Effect: 'Allow', Action: [], Resource: '*' }] }, 'Statement[0].Action must not be empty'],
    ['Action not a string', { Version: '1', Statement: [{ Effect: 'Allow', Action: [7], Resource: '*' }] }, 'Statement[0].Action[0] must be a string'],
    ['missing Resource', { Version: '1', Statement: [{ Effect: 'Allow', Action: 'imm:*' }] }, 'Statement[0].Resource is missing'],
    ['bad Resource', { Version: '1', Statement: [{ Effect: 'Allow', Action: 'imm:*', Resource: 'project/p1' }] }, 'Statement[0].Resource[0] "project/p1" must be * or acs:imm:<region>:<account>:<resource>'],
    ['Condition', { Version: '1', Statement: [{ Effect: 'Allow', Action: 'imm:*', Resource: '*', Condition: {} }] }, 'Statement[0] has the unknown key Condition (not supported by simclust); allowed keys are Effect, Action, Resource'],
    ['statement not an object', { Version: '1', Statement: ['Allow'] }, 'Statement[0] must be an object'],
  ])('refuses %s, naming the problem', (_what, document, message) => {
    expect(problem(document)).toBe(message);
  });

  it('refuses a document over 6144 characters', () => {
    const resources = Array.from({ length: 90 }, (_, i) => `acs:imm:*:*:project/${'p'.repeat(60)}${i}`);
    expect(problem({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'imm:*', Resource: resources }] })).toBe('the policy document exceeds 6144 characters');
  });
});
