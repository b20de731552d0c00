module.exports = {
  displayName: 'runtime-custom',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  coverageDirectory: '../../coverage/runtimes/custom',
};
