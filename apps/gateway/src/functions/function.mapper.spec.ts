import { aFunctionEntity } from '../testing/function-entity.builder';
import { imageNameFor, toFunctionCodeDto, toFunctionConfigDto } from './function.mapper';

const ctx = { region: 'local', domainId: 'domain-1' };

describe('toFunctionConfigDto', () => {
  it('maps the stored function to FunctionGraph fields', () => {
    const dto = toFunctionConfigDto(aFunctionEntity({ maxInstances: 10, concurrentNum: 5 }), ctx);
    expect(dto).toMatchObject({
      func_id: '6f1c2a9e-0d7b-4c55-9a11-2b3c4d5e6f70',
      func_urn: 'urn:fss:local:0123456789abcdef0123456789abcdef:function:default:hello:latest',
      func_name: 'hello',
      domain_id: 'domain-1',
      namespace: '0123456789abcdef0123456789abcdef',
      project_name: 'local',
      package: 'default',
      runtime: 'Node.js18.15',
      timeout: 30,
      handler: 'index.handler',
      memory_size: 256,
      cpu: 400,
      code_type: 'zip',
      code_filename: 'index.zip',
      code_size: 321,
      user_data: '{"GREETING":"hi"}',
      encrypted_user_data: '',
      version: 'latest',
      last_modified: '2024-03-04T05:06:07+00:00',
      image_name: 'latest-240304050607@abcde',
      strategy_config: { concurrency: 10, concurrent_num: 5 },
      type: 'v2',
      enable_dynamic_memory: false,
      is_stateful_function: false,
      depend_version_list: [],
      dependencies: [],
      reserved_instance_count: 0,
    });
    expect(dto.func_vpc).toBeUndefined();
  });

  it('omits the qualifier when asked (list items)', () => {
    expect(toFunctionConfigDto(aFunctionEntity(), ctx, false).func_urn).toBe(
      'urn:fss:local:0123456789abcdef0123456789abcdef:function:default:hello',
    );
  });

  it('never returns encrypted variables in clear', () => {
    const dto = toFunctionConfigDto(aFunctionEntity({ encryptedUserData: 'v1:iv:tag:ciphertext' }), ctx);
    expect(dto.encrypted_user_data).toBe('******');
  });

  it('echoes configuration kept in extra', () => {
    const vpc = { vpc_id: 'v', subnet_id: 's' };
    const dto = toFunctionConfigDto(
      aFunctionEntity({ extra: { func_vpc: vpc, is_stateful_function: true, depend_version_list: ['d1'] } }),
      ctx,
    );
    expect(dto.func_vpc).toEqual(vpc);
    expect(dto.is_stateful_function).toBe(true);
    expect(dto.depend_version_list).toEqual(['d1']);
  });
});

describe('imageNameFor', () => {
  it('pads every date part to two digits in UTC', () => {
    expect(imageNameFor({ updatedAt: new Date('2009-01-02T03:04:05Z'), codeDigest: '12345678' })).toBe(
      'latest-090102030405@12345',
    );
  });
});

describe('toFunctionCodeDto', () => {
  it('returns code metadata with an empty func_code', () => {
    expect(toFunctionCodeDto(aFunctionEntity(), ctx)).toMatchObject({
      func_urn: 'urn:fss:local:0123456789abcdef0123456789abcdef:function:default:hello:latest',
      code_type: 'zip',
      code_size: 321,
      digest: 'abcdef0123'.padEnd(128, '0'),
      func_code: { file: '', link: '' },
      last_modified: '2024-03-04T05:06:07+00:00',
    });
  });
});
