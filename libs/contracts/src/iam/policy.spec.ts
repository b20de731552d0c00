import { ALL_ACTIONS, FGS_ACTIONS, IAM_ACTIONS } from './iam-actions';
import { actionMatches, isAllowed, PolicyDocument, policyDocumentSchema } from './policy';

const allow = (...Action: string[]): PolicyDocument => ({
  Version: '1.1',
  Statement: [{ Effect: 'Allow', Action }],
});
const deny = (...Action: string[]): PolicyDocument => ({
  Version: '1.1',
  Statement: [{ Effect: 'Deny', Action }],
});

describe('actionMatches', () => {
  it.each([
    ['functiongraph:*:*', 'functiongraph:function:create', true],
    ['functiongraph:function:*', 'functiongraph:function:invokeAsync', true],
    ['functiongraph:function:*', 'functiongraph:trigger:get', false],
    ['functiongraph:*:get*', 'functiongraph:trigger:get', true],
    ['functiongraph:*:get*', 'functiongraph:function:getConfig', true],
    ['functiongraph:*:get*', 'functiongraph:function:updateConfig', false],
    ['functiongraph:function:invoke*', 'functiongraph:function:invoke', true],
    ['functiongraph:function:invoke*', 'functiongraph:function:invokeAsync', true],
    ['FunctionGraph:Function:List', 'functiongraph:function:list', true],
    ['functiongraph:function:lis?', 'functiongraph:function:list', true],
    ['functiongraph:function:list', 'functiongraph:function:listVersion', false],
    ['functiongraph:function.list', 'functiongraph:functionXlist', false],
    ['iam:*:*', 'functiongraph:function:list', false],
    ['*:*:*', 'iam:users:createUser', true],
  ])('%s vs %s → %s', (pattern, action, expected) => {
    expect(actionMatches(pattern, action)).toBe(expected);
  });
});

describe('isAllowed', () => {
  it('allows what a statement allows and nothing else (implicit deny)', () => {
    const policies = [allow('functiongraph:function:list', 'functiongraph:function:getConfig')];
    expect(isAllowed(policies, FGS_ACTIONS.functionList)).toBe(true);
    expect(isAllowed(policies, FGS_ACTIONS.functionGetConfig)).toBe(true);
    expect(isAllowed(policies, FGS_ACTIONS.functionCreate)).toBe(false);
    expect(isAllowed([], FGS_ACTIONS.functionList)).toBe(false);
  });

  it('lets an explicit Deny win over any Allow, whatever the order', () => {
    const full = allow('functiongraph:*:*');
    const noDelete = deny('functiongraph:function:delete');
    for (const policies of [
      [full, noDelete],
      [noDelete, full],
    ]) {
      expect(isAllowed(policies, FGS_ACTIONS.functionDelete)).toBe(false);
      expect(isAllowed(policies, FGS_ACTIONS.functionCreate)).toBe(true);
    }
    const mixed: PolicyDocument = {
      Version: '1.1',
      Statement: [
        { Effect: 'Allow', Action: ['functiongraph:*:*'] },
        { Effect: 'Deny', Action: ['functiongraph:trigger:*'] },
      ],
    };
    expect(isAllowed([mixed], FGS_ACTIONS.triggerGet)).toBe(false);
    expect(isAllowed([mixed], FGS_ACTIONS.functionInvoke)).toBe(true);
  });

  it('denies unknown or malformed actions even under wildcards', () => {
    const everything = [allow('*:*:*')];
    expect(isAllowed(everything, 'functiongraph:function:doesNotExistYet')).toBe(true);
    expect(isAllowed([allow('functiongraph:function:list')], 'functiongraph:function:teleport')).toBe(false);
    for (const bad of [
      '',
      'functiongraph',
      'functiongraph:function',
      'a:b:c:d',
      'functiongraph:*:*',
      ' a:b:c',
    ])
      expect(isAllowed(everything, bad)).toBe(false);
  });

  it('a Deny alone grants nothing', () => {
    expect(isAllowed([deny('functiongraph:function:delete')], FGS_ACTIONS.functionList)).toBe(false);
  });
});

describe('action list', () => {
  it('holds the 21 actions of spec §9, all well-formed and distinct, and only FunctionGraph ones under functiongraph:', () => {
    const specActions = [
      'function:list',
      'function:getConfig',
      'function:getCode',
      'function:create',
      'function:delete',
      'function:updateCode',
      'function:updateConfig',
      'function:invoke',
      'function:invokeAsync',
      'function:createVersion',
      'function:listVersion',
      'function:createAlias',
      'function:updateAliases',
      'function:deleteAlias',
      'function:getAlias',
      'function:listAlias',
      'trigger:create',
      'trigger:get',
      'trigger:delete',
      'trigger:listSpecifiedFunctionTriggers',
      'trigger:deleteSpecifiedFunctionTriggers',
    ].map((a) => `functiongraph:${a}`);
    expect(Object.values(FGS_ACTIONS)).toEqual(expect.arrayContaining(specActions));
    for (const action of Object.values(FGS_ACTIONS))
      expect(action).toMatch(/^functiongraph:[a-z]+:[A-Za-z]+$/);
    expect(new Set(ALL_ACTIONS).size).toBe(ALL_ACTIONS.length);
    for (const action of ALL_ACTIONS) expect(isAllowed([allow('*:*:*')], action)).toBe(true);
    expect(Object.values(IAM_ACTIONS).every((a) => a.startsWith('iam:'))).toBe(true);
  });
});

describe('policyDocumentSchema', () => {
  it('accepts the Huawei shape and refuses other versions and malformed actions', () => {
    expect(policyDocumentSchema.safeParse(allow('functiongraph:function:*')).success).toBe(true);
    expect(policyDocumentSchema.safeParse({ ...allow('a:b:c'), Version: '1.0' }).success).toBe(false);
    expect(policyDocumentSchema.safeParse(allow('functiongraph:function')).success).toBe(false);
  });
});
