import { imageReferenceProblem, splitImageArgs, toCustomImageRun } from './custom-image';

describe('custom_image helpers', () => {
  it.each([
    'nginx',
    'openfunctiongraph/base-node:20',
    'swr.eu-de.otc.t-systems.com/team/app:v1.2-rc_3',
    'localhost:5000/a/b/c',
    `app@sha256:${'a'.repeat(64)}`,
    `registry:443/app:1@sha256:${'0'.repeat(64)}`,
  ])('accepts the image reference %s', (reference) => {
    expect(imageReferenceProblem(reference)).toBeUndefined();
  });

  it.each([
    ['', 'it is empty'],
    ['Upper/Case', 'lower-case name'],
    ['app:', 'lower-case name'],
    ['app:tag with space', 'lower-case name'],
    ['-leading/app', 'lower-case name'],
    ['app@sha256:short', 'lower-case name'],
  ])('refuses %j', (reference, problem) => {
    expect(imageReferenceProblem(reference)).toContain(problem);
  });

  it('refuses a reference longer than 1024 characters', () => {
    expect(imageReferenceProblem('x'.repeat(1025))).toContain('longer than 1024');
  });

  it('splits command and args on commas, dropping empty entries', () => {
    expect(splitImageArgs('/bin/sh, -c ,echo hi,')).toEqual(['/bin/sh', '-c', 'echo hi']);
    expect(splitImageArgs('')).toEqual([]);
    expect(splitImageArgs(undefined)).toEqual([]);
  });

  it('resolves a stored custom_image into how the invoker runs it', () => {
    expect(
      toCustomImageRun({
        enabled: true,
        image: 'app:1',
        command: 'node,server.js',
        args: '--port,8000',
        working_dir: '/srv',
        uid: '1003',
        gid: '1004',
      }),
    ).toEqual({
      image: 'app:1',
      command: ['node', 'server.js'],
      args: ['--port', '8000'],
      workingDir: '/srv',
      uid: 1003,
      gid: 1004,
    });
    expect(toCustomImageRun({ enabled: true, image: 'app:1', uid: '2000' })).toMatchObject({
      command: [],
      args: [],
      workingDir: undefined,
      uid: 2000,
      gid: 2000,
    });
    expect(toCustomImageRun({ enabled: true, image: 'app:1' })).toMatchObject({ uid: 1000, gid: 1000 });
    expect(toCustomImageRun({ enabled: false, image: 'app:1' })).toBeUndefined();
    expect(toCustomImageRun({ enabled: true, image: '' })).toBeUndefined();
    expect(toCustomImageRun(undefined)).toBeUndefined();
  });
});
