export * from './logger.options';
export * from './metrics.service';
export * from './health.registry';
export * from './health.controller';
export * from './observability.module';
