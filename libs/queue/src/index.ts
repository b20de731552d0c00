export * from './redis-connection';
export * from './reply-bus';
export * from './invocation.producer';
export * from './invocation.dispatcher';
export * from './queue.options';
export * from './queue.module';
export * from './control-transport';
