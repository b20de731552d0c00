export * from './stack-launcher';
export * from './stack-setup';
export * from './stack-teardown';
export * from './s3-store';
