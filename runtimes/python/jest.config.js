module.exports = {
  displayName: 'runtime-python',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  coverageDirectory: '../../coverage/runtimes/python',
};
