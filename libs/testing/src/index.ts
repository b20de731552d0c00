export * from './stack';
export * from './invoker';
export * from './zip/zip.fixtures';
export * from './runtime/bootstrap-harness';
