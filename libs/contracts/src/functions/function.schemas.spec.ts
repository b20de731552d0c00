import { createFunctionSchema, FUNCTION_FIELD_ERRORS, updateFunctionConfigSchema } from './function.schemas';
import { cpuMillicoresFor, isRuntimeName, MEMORY_SIZES_MB } from './runtimes';

const valid = {
  func_name: 'hello',
  package: 'default',
  runtime: 'Node.js18.15',
  timeout: 30,
  handler: 'index.handler',
  memory_size: 128,
  code_type: 'zip',
};

/** The field the first validation issue names, as the gateway maps it to an error code. */
function failingField(body: Record<string, unknown>): string | undefined {
  const result = createFunctionSchema.safeParse(body);
  return result.success ? undefined : String(result.error.issues[0].path[0]);
}

describe('function schemas', () => {
  it('accepts a minimal create body and strips unknown fields', () => {
    const parsed = createFunctionSchema.parse({ ...valid, unknown_field: 1 });
    expect(parsed).toEqual(valid);
  });

  it.each([
    [{ func_name: '9lives' }, 'func_name'],
    [{ func_name: 'a'.repeat(61) }, 'func_name'],
    [{ func_name: 'ends-with-' }, 'func_name'],
    [{ package: '' }, 'package'],
    [{ runtime: 'Node.js99' }, 'runtime'],
    [{ timeout: 2 }, 'timeout'],
    [{ timeout: 901 }, 'timeout'],
    [{ timeout: 3.5 }, 'timeout'],
    [{ memory_size: 129 }, 'memory_size'],
    [{ handler: 'index' }, 'handler'],
    [{ code_type: 'git' }, 'code_type'],
    [{ description: 'd'.repeat(513) }, 'description'],
    [{ initializer_timeout: 301 }, 'initializer_timeout'],
    [{ initializer_timeout: -1 }, 'initializer_timeout'],
  ])('rejects %o on %s', (patch, field) => {
    expect(failingField({ ...valid, ...patch })).toBe(field);
    expect(FUNCTION_FIELD_ERRORS[field]).toMatch(/^FSS\.\d{4}$/);
  });

  it('accepts handlers in folders and C#-style handlers', () => {
    expect(failingField({ ...valid, handler: 'src/main.handler' })).toBeUndefined();
    expect(failingField({ ...valid, handler: 'Asm::Ns.Program::MyFunc' })).toBeUndefined();
  });

  it('requires func_name on config updates', () => {
    expect(
      updateFunctionConfigSchema.safeParse({
        runtime: 'Node.js18.15',
        timeout: 3,
        handler: 'a.b',
        memory_size: 128,
      }).success,
    ).toBe(false);
  });

  it('derives CPU from memory as the spec formula says', () => {
    expect(MEMORY_SIZES_MB.map(cpuMillicoresFor)).toEqual([
      300, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2200, 2600, 3000, 3400,
    ]);
    expect(isRuntimeName('Node.js20.15')).toBe(true);
    expect(isRuntimeName('toString')).toBe(false);
  });
});
