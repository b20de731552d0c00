import { DEPENDENCY_NAME_PATTERN, dependencyBodySchema } from './dependency.schemas';

describe('dependency schemas', () => {
  it.each(['a', 'kafka-python', 'lib_2.0.1', 'A'.repeat(96)])('accepts the name %s', (name) => {
    expect(DEPENDENCY_NAME_PATTERN.test(name)).toBe(true);
  });

  it.each(['', '1lib', '-lib', 'lib-', 'lib.', 'has space', 'ünï', 'A'.repeat(97)])(
    'refuses the name %j',
    (name) => {
      expect(DEPENDENCY_NAME_PATTERN.test(name)).toBe(false);
    },
  );

  it('needs depend_type, runtime and name, and caps the description at 512', () => {
    const ok = { depend_type: 'zip', runtime: 'Python3.9', name: 'lib' };
    expect(dependencyBodySchema.safeParse(ok).success).toBe(true);
    for (const missing of ['depend_type', 'runtime', 'name']) {
      const body: Record<string, unknown> = { ...ok };
      delete body[missing];
      expect(dependencyBodySchema.safeParse(body).success).toBe(false);
    }
    expect(dependencyBodySchema.safeParse({ ...ok, description: 'd'.repeat(512) }).success).toBe(true);
    expect(dependencyBodySchema.safeParse({ ...ok, description: 'd'.repeat(513) }).success).toBe(false);
    expect(dependencyBodySchema.safeParse({ ...ok, runtime: 'Python4' }).success).toBe(false);
  });
});
