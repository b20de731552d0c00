export default {
  displayName: 'runtime-nodejs',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  coverageDirectory: '../../coverage/runtimes/nodejs',
};
