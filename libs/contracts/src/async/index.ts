export * from './async-config.schemas';
export * from './async-config.dto';
export * from './async-invocation.contracts';
