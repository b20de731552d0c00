import { Module } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { FunctionDependencies } from '../dependencies/function-dependencies';
import { CODE_PACKAGE_OPTIONS, CodePackageOptions, CodePackageService } from './code-package.service';
import { FunctionLookupCache } from './function-lookup.cache';
import { FunctionEventsListener } from './function-events.listener';
import { FunctionResolver } from './function.resolver';
import { FunctionsController } from './functions.controller';
import { FunctionsService } from './functions.service';

@Module({
  controllers: [FunctionsController, FunctionEventsListener],
  providers: [
    {
      provide: CODE_PACKAGE_OPTIONS,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig): CodePackageOptions => ({
        downloadMaxBytes: config.codeDownload.maxBytes,
        downloadTimeoutMs: config.codeDownload.timeoutMs,
      }),
    },
    CodePackageService,
    {
      provide: FunctionLookupCache,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig): FunctionLookupCache =>
        new FunctionLookupCache(config.functionCacheTtlMs),
    },
    FunctionResolver,
    FunctionDependencies,
    FunctionsService,
  ],
  exports: [FunctionResolver, CodePackageService, FunctionDependencies, FunctionsService],
})
export class FunctionsModule {}
