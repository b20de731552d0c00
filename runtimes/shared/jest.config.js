module.exports = {
  displayName: 'runtime-shared',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  coverageDirectory: '../../coverage/runtimes/shared',
};
