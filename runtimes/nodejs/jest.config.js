module.exports = {
  displayName: 'runtime-nodejs',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  coverageDirectory: '../../coverage/runtimes/nodejs',
};
