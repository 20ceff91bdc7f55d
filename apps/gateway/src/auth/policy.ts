// RAM-style policies: parsing with exact error messages, and evaluation (explicit Deny wins, default deny). Pure.
import type { ResourceScope } from '../imm/action';

export type Effect = 'Allow' | 'Deny';

export interface Statement {
  effect: Effect;
  /** Lower-cased `imm:<pattern>` or `*`: RAM compares action names without regard to case. */
  actions: string[];
  resources: string[];
}

export interface Policy {
  /** The document as given, returned by GetAccessKey and friends. */
  document: PolicyDocument;
  statements: Statement[];
}

export interface PolicyDocument {
  Version: '1';
  Statement: Array<{ Effect: Effect; Action: string | string[]; Resource: string | string[] }>;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** RAM's limit on a policy document. */
export const MAX_POLICY_CHARS = 6144;
const MAX_STATEMENTS = 100;
const MAX_ENTRIES = 100;

const ACTION = /^imm:[A-Za-z0-9*]+$/i;
const RESOURCE = /^acs:imm:[^:]+:[^:]+:[^\s]+$/;

export class PolicyError extends Error {}

function fail(message: string): never {
  throw new PolicyError(message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, allowed: string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const hint = key === 'Condition' || key === 'NotAction' || key === 'NotResource' || key === 'Principal' ? ' (not supported by simclust)' : '';
      fail(`${where} has the unknown key ${key}${hint}; allowed keys are ${allowed.join(', ')}`);
    }
  }
}

function stringList(value: unknown, where: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) fail(`${where} must be a string or an array of strings`);
  if (list.length === 0) fail(`${where} must not be empty`);
  if (list.length > MAX_ENTRIES) fail(`${where} holds more than ${MAX_ENTRIES} entries`);
  list.forEach((item, i) => {
    if (typeof item !== 'string') fail(`${where}[${i}] must be a string`);
  });
  return list as string[];
}

/** Checks a RAM policy document; a PolicyError names the first problem exactly. */
export function parsePolicy(input: unknown): Policy {
  if (!isObject(input)) fail('the policy must be a JSON object with Version and Statement');
  if (JSON.stringify(input).length > MAX_POLICY_CHARS) fail(`the policy document exceeds ${MAX_POLICY_CHARS} characters`);
  onlyKeys(input, ['Version', 'Statement'], 'the policy');
  if (input.Version === undefined) fail('Version is missing (it must be "1")');
  if (input.Version !== '1') fail(`Version must be "1", not ${JSON.stringify(input.Version)}`);
  if (input.Statement === undefined) fail('Statement is missing');
  if (!Array.isArray(input.Statement)) fail('Statement must be an array of statements');
  if (input.Statement.length === 0) fail('Statement must not be empty');
  if (input.Statement.length > MAX_STATEMENTS) fail(`Statement holds more than ${MAX_STATEMENTS} statements`);

  const statements = input.Statement.map((raw: unknown, i: number): Statement => {
    const where = `Statement[${i}]`;
    if (!isObject(raw)) fail(`${where} must be an object`);
    onlyKeys(raw, ['Effect', 'Action', 'Resource'], where);
    if (raw.Effect === undefined) fail(`${where}.Effect is missing`);
    if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny') fail(`${where}.Effect must be Allow or Deny, not ${JSON.stringify(raw.Effect)}`);
    if (raw.Action === undefined) fail(`${where}.Action is missing`);
    if (raw.Resource === undefined) fail(`${where}.Resource is missing`);
    const actions = stringList(raw.Action, `${where}.Action`);
    actions.forEach((a, j) => {
      if (a !== '*' && !ACTION.test(a)) fail(`${where}.Action[${j}] ${JSON.stringify(a)} must be imm:<Operation> (wildcard * allowed) or *`);
    });
    const resources = stringList(raw.Resource, `${where}.Resource`);
    resources.forEach((r, j) => {
      if (r !== '*' && !RESOURCE.test(r)) fail(`${where}.Resource[${j}] ${JSON.stringify(r)} must be * or acs:imm:<region>:<account>:<resource>`);
    });
    return { effect: raw.Effect, actions: actions.map((a) => a.toLowerCase()), resources };
  });
  return { document: input as unknown as PolicyDocument, statements };
}

/**
 * Whether a glob with `*` wildcards matches a whole string. Iterative with one backtrack point, so a hostile
 * pattern such as `*a*a*a*b` costs O(pattern × text), never exponential time.
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.length && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * Whether a glob can match some resource under `prefix`: the prefix followed by names and `/` but no `:` (resource
 * names cannot hold one), so `acs:imm:*:*:project/p1/…` is not taken to reach into project p2 through its wildcards.
 */
export function globMatchesSomethingUnder(pattern: string, prefix: string): boolean {
  // The positions in the pattern reachable after reading the prefix; any left can be completed by a suffix.
  let states = closure(new Set([0]), pattern);
  for (const ch of prefix) {
    const next = new Set<number>();
    for (const s of states) {
      if (s === pattern.length) continue;
      if (pattern[s] === '*') next.add(s);
      else if (pattern[s] === ch) next.add(s + 1);
    }
    states = closure(next, pattern);
    if (states.size === 0) return false;
  }
  return [...states].some((s) => !pattern.includes(':', s));
}

function closure(states: Set<number>, pattern: string): Set<number> {
  for (const s of [...states]) {
    let i = s;
    while (i < pattern.length && pattern[i] === '*') states.add(++i);
  }
  return states;
}

function actionMatches(statement: Statement, action: string): boolean {
  const lower = action.toLowerCase();
  return statement.actions.some((pattern) => pattern === '*' || globMatch(pattern, lower));
}

/** RAM's decision for one action on one resource: any matching Deny wins, then any matching Allow, else deny. */
export function evaluate(policy: Policy, action: string, resource: string): Decision {
  let allowed = false;
  for (const statement of policy.statements) {
    if (!actionMatches(statement, action)) continue;
    if (!statement.resources.some((pattern) => globMatch(pattern, resource))) continue;
    if (statement.effect === 'Deny') return 'ExplicitDeny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}

/** Whether some Allow statement grants the action on a resource under `prefix` (what a listing could show). */
export function mayAllowUnder(policy: Policy, action: string, prefix: string): boolean {
  return policy.statements.some(
    (s) => s.effect === 'Allow' && actionMatches(s, action) && s.resources.some((pattern) => globMatchesSomethingUnder(pattern, prefix)),
  );
}

/** Where resource names live: contract.md's `acs:imm:{SIMCLUST_REGION}:{SIMCLUST_ACCOUNT}:…`. */
export interface ResourceSpace {
  region: string;
  account: string;
}

/** The RAM resource of a call (contract.md, "Authorization resources"): `*` for global operations. */
export function resourceOf(scope: ResourceScope, space: ResourceSpace): string {
  if (scope.kind === 'global') return '*';
  const project = `acs:imm:${space.region}:${space.account}:project/${scope.project}`;
  return scope.kind === 'project' ? project : `${project}/dataset/${scope.dataset}`;
}

/** The prefix shared by every resource inside a scope (what a listing of that scope may contain). */
export function prefixUnder(scope: ResourceScope, space: ResourceSpace): string {
  return scope.kind === 'global' ? `acs:imm:${space.region}:${space.account}:` : `${resourceOf(scope, space)}/`;
}
