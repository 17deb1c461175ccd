// Tests are compiled by `tsc` into dist/ before Jest runs (see the Makefile), so Jest needs no
// transform: it loads the emitted ES modules directly (node --experimental-vm-modules).
/** @type {import('jest').Config} */
export default {
  rootDir: '.',
  roots: ['<rootDir>/dist'],
  testMatch: ['<rootDir>/dist/{src,test}/**/*.test.js'],
  testEnvironment: 'node',
  transform: {},
  // Golden cases translate whole resource sets; the default 5 s is tight on a loaded CI machine.
  testTimeout: 30000,
};
