export * from './fake-bootstrap.server';
export * from './fake-container-runtime';
export * from './function-snapshot.builder';
export * from './invocation-job.builder';
export * from './invocation-reply.fixture';
