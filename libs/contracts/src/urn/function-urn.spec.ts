import { FgsError } from '../errors/error-code';
import { formatFunctionUrn, parseFunctionUrn } from './function-urn';

const P = '0123456789abcdef0123456789abcdef';

describe('parseFunctionUrn', () => {
  it.each([
    ['hello', { projectId: 'ctx', package: 'default', funcName: 'hello' }],
    ['app1:hello', { projectId: 'ctx', package: 'app1', funcName: 'hello' }],
    [`${P}:default:hello`, { projectId: P, package: 'default', funcName: 'hello' }],
    [`${P}:default:hello:v1`, { projectId: P, package: 'default', funcName: 'hello', version: 'v1' }],
    [`${P}:default:hello:!dev`, { projectId: P, package: 'default', funcName: 'hello', alias: 'dev' }],
    [`urn:fss:local:${P}:function:default:hello`, { projectId: P, package: 'default', funcName: 'hello' }],
    [
      `urn:fss:local:${P}:function:default:hello:latest`,
      { projectId: P, package: 'default', funcName: 'hello', version: 'latest' },
    ],
    [
      `urn:fss:cn-north-4:${P}:function:default:hello:20240102-030405`,
      { projectId: P, package: 'default', funcName: 'hello', version: '20240102-030405' },
    ],
    [
      `urn:fss:local:${P}:function:default:hello:!prod`,
      { projectId: P, package: 'default', funcName: 'hello', alias: 'prod' },
    ],
  ])('accepts %s', (urn, expected) => {
    expect(parseFunctionUrn(urn, 'ctx')).toEqual(expected);
  });

  it.each([
    '',
    'a:b:c:d:e',
    'urn:fss:local',
    'urn:fss:local:p',
    `urn:fss:local:${P}:workflow:default:hello`,
    `urn:xyz:local:${P}:function:default:hello`,
    `urn:fss::${P}:function:default:hello`,
    '1hello',
    'hello-',
    `${P}:default:hello:!`,
    `${P}:default:hello:bad qualifier`,
    'x'.repeat(270),
    `urn:fss:local:${P}:function:default:hello:latest:extra`,
  ])('rejects %s with FSS.1309', (urn) => {
    expect(() => parseFunctionUrn(urn, 'ctx')).toThrow(FgsError);
    try {
      parseFunctionUrn(urn, 'ctx');
    } catch (err) {
      expect((err as FgsError).code).toBe('FSS.1309');
      expect((err as FgsError).status).toBe(400);
    }
  });

  it('round-trips with formatFunctionUrn', () => {
    const urn = formatFunctionUrn('local', { projectId: P, package: 'default', funcName: 'hello' }, '!dev');
    expect(urn).toBe(`urn:fss:local:${P}:function:default:hello:!dev`);
    expect(parseFunctionUrn(urn, 'x')).toEqual({
      projectId: P,
      package: 'default',
      funcName: 'hello',
      alias: 'dev',
    });
  });
});
