export * from './stack';
export * from './invoker';
